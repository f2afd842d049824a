import { DefaultPorts, ServiceNames, type ServiceName } from '@vigil/contracts';

/** `alarm-ingestion` → `VIGIL_ALARM_INGESTION_URL`. */
export function serviceUrlVariable(service: ServiceName): string {
  return `VIGIL_${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

/**
 * Each service's base URL: `VIGIL_<SERVICE>_URL`, else the default port on 127.0.0.1.
 * A base may carry a path prefix (an ingress route); a trailing slash is dropped.
 */
export function serviceBaseUrls(env: Record<string, string | undefined>): Record<ServiceName, string> {
  const urls = {} as Record<ServiceName, string>;
  for (const service of ServiceNames) {
    const variable = serviceUrlVariable(service);
    const value = env[variable]?.trim();
    if (!value) {
      urls[service] = `http://127.0.0.1:${DefaultPorts[service]}`;
      continue;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${variable} must be an absolute http(s) URL such as http://127.0.0.1:${DefaultPorts[service]}, got "${value}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${variable} must be an http(s) URL, got "${value}"`);
    urls[service] = value.replace(/\/+$/, '');
  }
  return urls;
}
