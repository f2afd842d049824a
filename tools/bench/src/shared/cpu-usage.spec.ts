import { parseProcStat } from './cpu-usage';

describe('parseProcStat', () => {
  it('counts user, nice, system, irq, softirq and steal as busy; idle and iowait as not', () => {
    const text = 'cpu  100 5 50 800 20 3 2 10 0 0\ncpu0 50 2 25 400 10 1 1 5 0 0\nintr 1 2 3\n';
    expect(parseProcStat(text)).toEqual({ busy: 170, total: 990 });
  });

  it('has no figure without the aggregate line', () => {
    expect(parseProcStat('intr 1 2 3\n')).toBeUndefined();
  });
});
