import {
  ForbiddenException, Injectable, SetMetadata, UnauthorizedException, UseGuards, applyDecorators, createParamDecorator,
  type CanActivate, type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { TokenVerifier, UnauthorizedError, type Principal, type Scope } from '@vigil/auth';

const REQUIRED_SCOPES = 'vigil:required-scopes';

type AuthedRequest = Request & { principal?: Principal };

/**
 * Bearer JWT on every protected route: 401 for a missing or bad token, 403 for a
 * missing scope or an `X-Tenant-ID` that is not the token's tenant.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly verifier: TokenVerifier, private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('Authorization: a Bearer token is required');
    let principal: Principal;
    try {
      principal = await this.verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof UnauthorizedError) throw new UnauthorizedException(error.message);
      throw error;
    }
    const tenantHeader = request.headers['x-tenant-id'];
    if (tenantHeader !== undefined && tenantHeader !== principal.tenantId) {
      throw new ForbiddenException('X-Tenant-ID: must match the tenant of the token');
    }
    const required = this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]) ?? [];
    const missing = required.filter((scope) => !principal.scopes.includes(scope) && !principal.scopes.includes('admin'));
    if (missing.length > 0) throw new ForbiddenException(`token lacks the scope ${missing.join(', ')}`);
    request.principal = principal;
    return true;
  }
}

/** Protects a route: a valid token carrying every listed scope (`admin` carries all). */
export function Authenticated(...scopes: Scope[]) {
  return applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), UseGuards(AuthGuard));
}

/** The verified caller of the current request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
  if (!principal) throw new UnauthorizedException('Authorization: a Bearer token is required');
  return principal;
});
