"""SQL of the MLS Delivery and Authentication Service: devices, key packages, groups,
commits. Callers hold the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shomik.db.e2ee_tables import (
    e2ee_commits,
    e2ee_devices,
    e2ee_group_devices,
    e2ee_groups,
    e2ee_key_packages,
)
from shomik.db.engine import Conn
from shomik.db.tables import chat_members, chats, sessions

# --- Devices ---


async def device_of_session(conn: Conn, session_id: str) -> Any | None:
    query = sa.select(e2ee_devices).where(e2ee_devices.c.session_id == session_id)
    return (await conn.execute(query)).first()


async def device_by_key(conn: Conn, signature_key: bytes) -> Any | None:
    query = sa.select(e2ee_devices).where(e2ee_devices.c.signature_key == signature_key)
    return (await conn.execute(query)).first()


async def insert_device(conn: Conn, **values: Any) -> None:
    await conn.execute(sa.insert(e2ee_devices).values(**values))


async def revoke(conn: Conn, device_id: str, at: datetime) -> None:
    """The device is done (its session ended, or it took a new key): its unused key
    packages go, its row stays for the leaves it still has in groups."""
    await conn.execute(
        sa.delete(e2ee_key_packages).where(e2ee_key_packages.c.device_id == device_id)
    )
    query = (
        sa.update(e2ee_devices)
        .where(e2ee_devices.c.id == device_id)
        .values(session_id=None, revoked_at=at)
    )
    await conn.execute(query)


async def revoke_orphans(conn: Conn, user_id: int, at: datetime) -> list[str]:
    """Mark revoked the user's devices whose session is gone (the foreign key nulled
    `session_id`); returns their ids."""
    query = (
        sa.update(e2ee_devices)
        .where(
            e2ee_devices.c.user_id == user_id,
            e2ee_devices.c.session_id.is_(None),
            e2ee_devices.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
        .returning(e2ee_devices.c.id)
    )
    return [row[0] for row in (await conn.execute(query)).all()]


# --- Key packages ---


async def key_package_count(conn: Conn, device_id: str) -> int:
    query = sa.select(sa.func.count()).where(e2ee_key_packages.c.device_id == device_id)
    return int((await conn.execute(query)).scalar_one())


async def insert_key_packages(
    conn: Conn, device_id: str, session_id: str, datas: Sequence[bytes], at: datetime
) -> None:
    rows = [
        {"device_id": device_id, "session_id": session_id, "data": data, "created_at": at}
        for data in datas
    ]
    await conn.execute(sa.insert(e2ee_key_packages), rows)


async def take_key_package(conn: Conn, device_id: str) -> bytes | None:
    """The device's oldest key package, deleted as it is read (one-time use)."""
    oldest = (
        sa.select(e2ee_key_packages.c.id)
        .where(e2ee_key_packages.c.device_id == device_id)
        .order_by(e2ee_key_packages.c.id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.delete(e2ee_key_packages)
        .where(e2ee_key_packages.c.id == oldest)
        .returning(e2ee_key_packages.c.data)
    )
    row = (await conn.execute(query)).first()
    return bytes(row[0]) if row is not None else None


# --- Secret chats and their groups ---


async def insert_secret_chat(conn: Conn, *, type_: str, name: str | None, by: int, at: Any) -> int:
    values = {"type": type_, "name": name, "created_by": by, "created_at": at, "secret": True}
    result = await conn.execute(sa.insert(chats).values(**values).returning(chats.c.id))
    chat_id = int(result.scalar_one())
    await conn.execute(sa.insert(e2ee_groups).values(chat_id=chat_id, epoch=0))
    return chat_id


async def secret_chats_of(conn: Conn, user_id: int) -> list[int]:
    """The secret chats the user is a member of, by id."""
    query = (
        sa.select(chats.c.id)
        .join(chat_members, chat_members.c.chat_id == chats.c.id)
        .where(chat_members.c.user_id == user_id, chats.c.secret.is_(True))
        .order_by(chats.c.id)
    )
    return [int(row[0]) for row in (await conn.execute(query)).all()]


async def is_secret(conn: Conn, chat_id: int) -> bool:
    query = sa.select(chats.c.secret).where(chats.c.id == chat_id)
    return bool((await conn.execute(query)).scalar_one_or_none())


async def epoch(conn: Conn, chat_id: int) -> int:
    query = sa.select(e2ee_groups.c.epoch).where(e2ee_groups.c.chat_id == chat_id)
    return int((await conn.execute(query)).scalar_one())


async def advance(conn: Conn, chat_id: int, from_epoch: int) -> bool:
    """Move the group to the next epoch if it is at `from_epoch`: the one check that lets
    exactly one commit per epoch through (on PostgreSQL the row lock makes a concurrent
    second update see the new epoch and match nothing)."""
    query = (
        sa.update(e2ee_groups)
        .where(e2ee_groups.c.chat_id == chat_id, e2ee_groups.c.epoch == from_epoch)
        .values(epoch=from_epoch + 1)
        .returning(e2ee_groups.c.epoch)
    )
    return (await conn.execute(query)).first() is not None


def _directory(chat_id: int, now: datetime) -> sa.Select[Any]:
    """Devices in the chat's group, and the devices of its current members (with whether
    each is live: not revoked, its session unexpired, its user a member)."""
    gd, m = e2ee_group_devices, chat_members
    member = sa.and_(m.c.chat_id == chat_id, m.c.user_id == e2ee_devices.c.user_id)
    live = sa.and_(
        m.c.user_id.is_not(None),
        e2ee_devices.c.revoked_at.is_(None),
        sessions.c.expires_at > now,
    )
    members = sa.select(m.c.user_id).where(m.c.chat_id == chat_id)
    return (
        sa.select(e2ee_devices, gd.c.added_epoch, live.label("live"))
        .select_from(e2ee_devices)
        .outerjoin(gd, sa.and_(gd.c.chat_id == chat_id, gd.c.device_id == e2ee_devices.c.id))
        .outerjoin(sessions, sessions.c.id == e2ee_devices.c.session_id)
        .outerjoin(m, member)
        .where(
            sa.or_(
                gd.c.device_id.is_not(None),
                sa.and_(e2ee_devices.c.user_id.in_(members), e2ee_devices.c.revoked_at.is_(None)),
            )
        )
        .order_by(e2ee_devices.c.user_id, e2ee_devices.c.created_at, e2ee_devices.c.id)
    )


async def directory(conn: Conn, chat_id: int, now: datetime) -> list[Any]:
    return list((await conn.execute(_directory(chat_id, now))).all())


async def add_to_group(
    conn: Conn, chat_id: int, devices: Sequence[tuple[str, int]], added_epoch: int
) -> None:
    if devices:
        rows = [
            {"chat_id": chat_id, "device_id": d, "user_id": u, "added_epoch": added_epoch}
            for d, u in devices
        ]
        await conn.execute(sa.insert(e2ee_group_devices), rows)


async def remove_from_group(conn: Conn, chat_id: int, device_ids: Sequence[str]) -> None:
    if device_ids:
        query = sa.delete(e2ee_group_devices).where(
            e2ee_group_devices.c.chat_id == chat_id,
            e2ee_group_devices.c.device_id.in_(list(device_ids)),
        )
        await conn.execute(query)


async def insert_commit(conn: Conn, **values: Any) -> None:
    await conn.execute(sa.insert(e2ee_commits).values(**values))


async def commits_since(conn: Conn, chat_id: int, since: int, limit: int) -> list[Any]:
    query = (
        sa.select(e2ee_commits)
        .where(e2ee_commits.c.chat_id == chat_id, e2ee_commits.c.epoch >= since)
        .order_by(e2ee_commits.c.epoch)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def commit_at(conn: Conn, chat_id: int, epoch: int) -> Any | None:
    query = sa.select(e2ee_commits).where(
        e2ee_commits.c.chat_id == chat_id, e2ee_commits.c.epoch == epoch
    )
    return (await conn.execute(query)).first()


async def group_chats_of(conn: Conn, device_ids: Sequence[str]) -> dict[int, list[str]]:
    """The chats whose groups hold these devices: {chat id: [device ids]}."""
    if not device_ids:
        return {}
    query = (
        sa.select(e2ee_group_devices.c.chat_id, e2ee_group_devices.c.device_id)
        .where(e2ee_group_devices.c.device_id.in_(list(device_ids)))
        .order_by(e2ee_group_devices.c.chat_id, e2ee_group_devices.c.device_id)
    )
    found: dict[int, list[str]] = {}
    for row in (await conn.execute(query)).all():
        found.setdefault(row.chat_id, []).append(row.device_id)
    return found
