import { readFileSync } from 'node:fs';

/**
 * How busy the machine was while a case ran, so a reader can tell a slow target from a
 * busy machine (other work on it, or the client itself). Linux `/proc/stat`; NaN elsewhere.
 */
export interface CpuWindow {
  /** Share of all CPUs' time spent busy (not idle, not waiting on I/O), 0–100. */
  machineBusyPercent: number;
  /** CPU time the bench process itself used (the client), as a share of one CPU, 0–100 × cores. */
  clientPercentOfOneCpu: number;
}

interface Sample {
  busy: number;
  total: number;
  client: NodeJS.CpuUsage;
  at: bigint;
}

/** Parses the aggregate `cpu` line of /proc/stat into busy and total jiffies. */
export function parseProcStat(text: string): { busy: number; total: number } | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

function sample(): Sample {
  let stat: { busy: number; total: number } | undefined;
  try {
    stat = parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    stat = undefined;
  }
  return { busy: stat?.busy ?? Number.NaN, total: stat?.total ?? Number.NaN, client: process.cpuUsage(), at: process.hrtime.bigint() };
}

/** Starts a window; the function it returns closes it. */
export function measureCpu(): () => CpuWindow {
  const start = sample();
  return () => {
    const end = sample();
    const wallUs = Number(end.at - start.at) / 1000;
    const client = process.cpuUsage(start.client);
    const total = end.total - start.total;
    return {
      machineBusyPercent: total > 0 ? ((end.busy - start.busy) / total) * 100 : Number.NaN,
      clientPercentOfOneCpu: wallUs > 0 ? ((client.user + client.system) / wallUs) * 100 : Number.NaN,
    };
  };
}
