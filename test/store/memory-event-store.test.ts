import { MemoryEventStore } from '../../lib/store/memory-event-store.js';
import { describeEventStoreContract } from './event-store-contract.js';

describeEventStoreContract('MemoryEventStore', async () => ({ store: new MemoryEventStore() }));
