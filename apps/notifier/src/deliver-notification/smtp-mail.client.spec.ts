import { judgeSmtpError, replyCodeOf } from './smtp-mail.client';

describe('judgeSmtpError', () => {
  it('retries a 4xx reply ("try again later") and names the code', () => {
    const failure = judgeSmtpError(Object.assign(new Error('x'), { code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 Try again later' }));
    expect(failure).toMatchObject({ transient: true, statusCode: 451, reason: 'SMTP server answered 451: 451 4.3.0 Try again later' });
  });

  it('does not retry a 5xx reply: a wrong login or a refused recipient will not change', () => {
    expect(judgeSmtpError(Object.assign(new Error('Invalid login'), { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed' })))
      .toMatchObject({ transient: false, statusCode: 535 });
    expect(judgeSmtpError(Object.assign(new Error('Recipient refused'), { code: 'EENVELOPE', responseCode: 550 }))).toMatchObject({ transient: false, statusCode: 550 });
  });

  it('retries a connection that failed before any reply', () => {
    expect(judgeSmtpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:25'), { code: 'ESOCKET' })))
      .toMatchObject({ transient: true, reason: 'SMTP server unreachable (ESOCKET): connect ECONNREFUSED 127.0.0.1:25' });
    expect(judgeSmtpError(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT' }))).toMatchObject({ transient: true });
  });

  it('does not retry a failure without a reply that is not the connection\'s', () => {
    expect(judgeSmtpError(Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE' }))).toMatchObject({ transient: false, reason: 'cannot send mail (EENVELOPE): No recipients defined' });
  });
});

describe('replyCodeOf', () => {
  it('reads the code of the server\'s last answer', () => {
    expect(replyCodeOf('250 2.0.0 Ok: queued as 1234')).toBe(250);
    expect(replyCodeOf(undefined)).toBe(250);
  });
});
