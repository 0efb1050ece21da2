"""FastAPI dependencies: the services, the signed-in user, the client's address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shomik.auth.devices import device_name
from shomik.auth.sessions import Device, authenticate
from shomik.errors import Unauthorized
from shomik.services import Services

_bearer = HTTPBearer(auto_error=False)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_current_user(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Any:
    if credentials is None:
        raise Unauthorized("Sign in first: send Authorization: Bearer <token>.")
    return await authenticate(services, credentials.credentials)


CurrentUser = Annotated[Any, Depends(get_current_user)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]


def client_device(request: Request, ip: ClientIp) -> Device:
    return Device(name=device_name(request.headers.get("user-agent")), ip=ip)


ClientDevice = Annotated[Device, Depends(client_device)]
