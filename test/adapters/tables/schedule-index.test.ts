import { describeScheduleIndexContract } from '../../support/contract/schedule-index.contract.js';
import { InMemoryScheduleIndex } from '../../support/in-memory/index.js';
import { freshTableAdapters } from './table-fixture.js';

describeScheduleIndexContract('in memory', () => new InMemoryScheduleIndex());
describeScheduleIndexContract('Table Storage (Azurite)', async () => (await freshTableAdapters()).schedule);
