// `node --require clock-preload.cjs`: puts a child process on the rehearsal's virtual clock. Date
// reads virtual time; a timer of VIRTUAL_TIMER_MIN_MS or more fires almost at once and first moves
// the shared clock to its deadline, so an action polling every 15 s for two hours runs in seconds.
import { CLOCK_DIR_VARIABLE, VIRTUAL_TIMER_MAX_MS, VIRTUAL_TIMER_MIN_MS, VirtualClock } from './clock';

const dir = process.env[CLOCK_DIR_VARIABLE];
if (dir) install(new VirtualClock(dir));

function install(clock: VirtualClock): void {
  const RealDate = Date;
  const realSetTimeout = globalThis.setTimeout;
  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(clock.now());
      else super(...(args as [string]));
    }
    static override now(): number {
      return clock.now();
    }
  }
  globalThis.Date = VirtualDate as DateConstructor;

  const virtualSetTimeout = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const delay = Number(ms ?? 0);
    if (!(delay >= VIRTUAL_TIMER_MIN_MS && delay <= VIRTUAL_TIMER_MAX_MS))
      return realSetTimeout(callback, ms, ...args);
    const deadline = clock.now() + delay;
    return realSetTimeout(() => {
      clock.advanceTo(deadline);
      callback(...args);
    }, 2);
  };
  globalThis.setTimeout = Object.assign(virtualSetTimeout, realSetTimeout) as typeof setTimeout;
}
