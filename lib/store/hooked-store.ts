import type { EventStore } from './event-store-port.js';

/** Called before the store method with its arguments; throw to make the call fail there (a crash, a throttle). */
export type StoreHooks = { readonly [K in keyof EventStore]?: (...args: Parameters<EventStore[K]>) => void };

/**
 * A store that runs `hooks[method]` before delegating each call: fault injection (the local runtime's crash demo, worker and crash tests).
 * @example memoryWorker({ wrapStore: (s) => hookedStore(s, { append: () => { if (++n === 3) throw new SimulatedCrash('x'); } }) })
 */
export function hookedStore(store: EventStore, hooks: StoreHooks): EventStore {
  return {
    createRun: async (...a) => { hooks.createRun?.(...a); return store.createRun(...a); },
    append: async (...a) => { hooks.append?.(...a); return store.append(...a); },
    readRun: async (...a) => { hooks.readRun?.(...a); return store.readRun(...a); },
    loadEvents: async (...a) => { hooks.loadEvents?.(...a); return store.loadEvents(...a); },
    getEvents: async (...a) => { hooks.getEvents?.(...a); return store.getEvents(...a); },
    getHead: async (...a) => { hooks.getHead?.(...a); return store.getHead(...a); },
    commitHead: async (...a) => { hooks.commitHead?.(...a); return store.commitHead(...a); },
    acquireLease: async (...a) => { hooks.acquireLease?.(...a); return store.acquireLease(...a); },
    renewLease: async (...a) => { hooks.renewLease?.(...a); return store.renewLease(...a); },
    releaseLease: async (...a) => { hooks.releaseLease?.(...a); return store.releaseLease(...a); },
    listRuns: async (...a) => { hooks.listRuns?.(...a); return store.listRuns(...a); },
  };
}
