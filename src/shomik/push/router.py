"""REST of Web Push: the server's key, and the browser's subscription."""

from __future__ import annotations

from fastapi import APIRouter, status

from shomik.deps import CurrentUser, ServicesDep
from shomik.push import service
from shomik.push.schemas import PushKey, SubscriptionIn, SubscriptionRemove

router = APIRouter(prefix="/api/push", tags=["push"])


@router.get("/key")
async def public_key(_user: CurrentUser, services: ServicesDep) -> PushKey:
    """The VAPID public key to subscribe with (`applicationServerKey`)."""
    assert services.push is not None
    return PushKey(public_key=services.push.keys.public_key)


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED)
async def subscribe(
    data: SubscriptionIn, user: CurrentUser, services: ServicesDep
) -> SubscriptionIn:
    """Store this browser's subscription (replacing one with the same endpoint); answers
    with it. Only the known push services' https endpoints are accepted (422 otherwise)."""
    await service.subscribe(services, user.id, user.session_id, data)
    return data


@router.delete("/subscriptions", status_code=status.HTTP_204_NO_CONTENT)
async def unsubscribe(data: SubscriptionRemove, user: CurrentUser, services: ServicesDep) -> None:
    await service.unsubscribe(services, user.id, data.endpoint)
