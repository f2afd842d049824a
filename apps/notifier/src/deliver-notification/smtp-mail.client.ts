import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { NOTIFIER_CONFIG, NotifierConfig } from '../notifier.config';
import { DeliveryFailure } from './delivery-failure';
import type { SendOutcome } from './delivery-outcome';
import type { EmailMessage } from './email-message';
import { OutboundCalls, hideSecrets } from './outbound-call';
import type { SmtpTarget } from './notification-request';

// No SMTP reply at all: the connection, its TLS or the name lookup failed, or it hung.
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Judges what sending a mail threw. An SMTP reply decides by its class (RFC 5321): 4xx is
 * "try again later", 5xx is "this will not work" (a wrong login, a refused address).
 * Without a reply, a connection-level failure is transient and anything else (a bad
 * envelope, TLS refused by policy) is not.
 */
export function judgeSmtpError(error: unknown): DeliveryFailure {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string } | undefined;
  const code = e?.responseCode;
  const said = (e?.response ?? e?.message ?? String(error)).trim().slice(0, 200);
  if (typeof code === 'number' && code >= 400 && code < 500) return new DeliveryFailure(`SMTP server answered ${code}: ${said}`, true, code);
  if (typeof code === 'number' && code >= 500) return new DeliveryFailure(`SMTP server answered ${code}: ${said}`, false, code);
  if (e?.code && TRANSIENT_CODES.has(e.code)) return new DeliveryFailure(`SMTP server unreachable (${e.code}): ${said}`, true);
  return new DeliveryFailure(`cannot send mail${e?.code ? ` (${e.code})` : ''}: ${said}`, false);
}

/** The reply code at the start of the server's last answer ("250 2.0.0 Ok: queued as …"). */
export function replyCodeOf(response: string | undefined): number {
  const code = Number(/^(\d{3})/.exec(response ?? '')?.[1]);
  return Number.isInteger(code) ? code : 250;
}

/**
 * Mails a notification through the channel's SMTP server, with the same policies as an
 * HTTP delivery: the breaker is per server (`smtp:<host>:<port>`), the password is
 * never logged nor put in a reason.
 */
@Injectable()
export class SmtpMailClient {
  private readonly logger = new Logger(SmtpMailClient.name);

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly calls: OutboundCalls,
  ) {}

  send(smtp: SmtpTarget, message: EmailMessage, breaker: string, bulkhead: string): Promise<SendOutcome> {
    const secrets = smtp.auth ? [smtp.auth.pass] : [];
    return this.calls.run({ channelType: 'email', breaker, bulkhead, secrets }, (signal, attempt) => this.attempt(smtp, message, signal, attempt, breaker, secrets));
  }

  private async attempt(smtp: SmtpTarget, message: EmailMessage, signal: AbortSignal, attempt: number, breaker: string, secrets: string[]): Promise<number> {
    const timeout = this.config.NOTIFIER_TIMEOUT_MS;
    // One connection per mail: notifications are few, and a pooled connection would outlive a channel's edit.
    const transport = createTransport({
      host: smtp.host, port: smtp.port, secure: smtp.secure, auth: smtp.auth,
      connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout,
      disableFileAccess: true, disableUrlAccess: true, logger: false,
    });
    try {
      const info = await transport.sendMail({ ...message, signal });
      // The server took the mail for some recipients: it is delivered (sending again would
      // duplicate it for them); the refused ones are worth a line in the log.
      if (info.rejected.length > 0) this.logger.warn({ msg: 'SMTP server refused some recipients', breaker, refused: info.rejected.length, accepted: info.accepted.length });
      return replyCodeOf(info.response);
    } catch (error) {
      const failure = judgeSmtpError(error);
      this.logger.warn({ msg: 'notification attempt failed', breaker, attempt, transient: failure.transient, statusCode: failure.statusCode, reason: hideSecrets(failure.reason, secrets, 'email') });
      throw failure;
    } finally {
      transport.close();
    }
  }
}
