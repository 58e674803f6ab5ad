/**
 * An Azurite Table service in this process, writing its store to a directory, whose one change
 * from Azurite 3.35 is how it looks a row up by its keys before an insert or an upsert: through
 * whichever of the two keys' indexes holds fewer rows with the row's value.
 *
 * Why: Azurite's insertTableEntity checks each inserted row with
 * `findOne({ PartitionKey, RowKey })`, as queryTableEntitiesWithPartitionAndRowKey (which an
 * upsert asks first) does. LokiJS answers an implicit $and through the binary index of
 * its first key only, then filters the rest linearly, so each insert walks its whole partition.
 * The app keeps every policy and index entry in one partition ('policy') and every schedule entry
 * in another ('due'), so seeding N policies costs N² (10,000 in 199 s, 20,000 in 19 min, 100,000
 * in hours). States are the other way round: a partition each, all with the row key 'state'. So
 * the check here asks `findOne({ RowKey, PartitionKey })` where fewer rows share the row key than
 * the partition key, and Azurite's own `findOne({ PartitionKey, RowKey })` otherwise: the same
 * exact match on both keys, in whichever order they are tested. Everything else is Azurite's own
 * code: the HTTP handlers, the batch orchestrator, the entity model it persists, LokiJS's insert
 * and its save to `__azurite_db_table__.json`. The real SDK writes every row over HTTP, in
 * transactions of 100 where rows share a partition.
 *
 * LokiJS's periodic save is off (it would write the whole store every 5 s); it saves on stop.
 * The bench then stops this server (LokiJS saves the store) and measures on an unchanged Azurite
 * child process started over the same directory (startAzurite({ location })), which loads it.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from '../../src/local/free-port.js';

/** Azurite's published development account; not a secret. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The file Azurite's Table service keeps its store in, under `--location` (its DEFAULT_TABLE_LOKI_DB_PATH). */
export const TABLE_STORE_FILE = '__azurite_db_table__.json';

/** Azurite 3.35.0's LokiTableMetadataStore methods replaced here, as their source reads (whitespace aside). */
const AZURITE_LOOKUP_SOURCE = `async queryTableEntitiesWithPartitionAndRowKey(context, table, account, partitionKey, rowKey, batchId) {
        const entityCollection = this.getEntityCollection(account, table, context);
        const requestedDoc = entityCollection.findOne({
            PartitionKey: partitionKey,
            RowKey: rowKey
        });
        return requestedDoc;
    }`;
const AZURITE_INSERT_SOURCE = `async insertTableEntity(context, table, account, entity, batchId) {
        const tableEntityCollection = this.getEntityCollection(account, table, context);
        const doc = tableEntityCollection.findOne({
            PartitionKey: entity.PartitionKey,
            RowKey: entity.RowKey
        });
        if (doc) {
            throw StorageErrorFactory_1.default.getEntityAlreadyExist(context);
        }
        entity.properties.Timestamp = entity.lastModifiedTime;
        entity.properties["Timestamp@odata.type"] = "Edm.DateTime";
        if (batchId !== "" && batchId !== undefined) {
            this.transactionDeleteTheseEntities.push(entity);
        }
        tableEntityCollection.insert(entity);
        return entity;
    }`;

const squeezed = (source: string) => source.replace(/\s+/g, ' ').trim();

interface LokiCollection {
  findOne(query: Record<string, unknown>): unknown;
  insert(doc: unknown): unknown;
  ensureIndex(property: string): void;
  /** LokiJS's range of an indexed property's binary index holding `value`: [first, last] positions. */
  calculateRange(op: '$eq', property: string, value: unknown): [number, number];
}

/** How many rows of `collection` hold `value` in `property`, from its binary index. */
function rowsWith(collection: LokiCollection, property: 'PartitionKey' | 'RowKey', value: unknown): number {
  collection.ensureIndex(property);
  const [first, last] = collection.calculateRange('$eq', property, value);
  return last - first + 1;
}

/** Azurite's `findOne({ PartitionKey, RowKey })`, the key fewer rows share asked first, so LokiJS's binary index on it finds the few candidates. */
function findRow(collection: LokiCollection, partitionKey: unknown, rowKey: unknown): unknown {
  const rowKeyFirst = rowsWith(collection, 'RowKey', rowKey) < rowsWith(collection, 'PartitionKey', partitionKey);
  return collection.findOne(rowKeyFirst ? { RowKey: rowKey, PartitionKey: partitionKey } : { PartitionKey: partitionKey, RowKey: rowKey });
}
interface TableMetadataStore {
  queryTableEntitiesWithPartitionAndRowKey(context: unknown, table: string, account: string, partitionKey: string, rowKey: string, batchId?: string): Promise<unknown>;
  insertTableEntity(context: unknown, table: string, account: string, entity: any, batchId?: string): Promise<unknown>;
  getEntityCollection(account: string, table: string, context: unknown): LokiCollection;
  transactionDeleteTheseEntities: unknown[];
}

/**
 * Replaces `store`'s insertTableEntity and queryTableEntitiesWithPartitionAndRowKey (on the
 * instance only) with Azurite's own, the row looked up by findRow. Refuses a store whose methods
 * are not the ones above: another Azurite may store rows differently, and this seeder would no
 * longer be Azurite's insert.
 */
export function swapLookupOrder(store: TableMetadataStore, getEntityAlreadyExist: (context: unknown) => Error): void {
  for (const [method, source] of [[store.insertTableEntity, AZURITE_INSERT_SOURCE], [store.queryTableEntitiesWithPartitionAndRowKey, AZURITE_LOOKUP_SOURCE]] as const) {
    if (squeezed(String(method)) !== squeezed(source)) {
      throw new Error(`this Azurite's ${method.name} is not 3.35.0's: the seeding Azurite would no longer write as Azurite does, so it refuses to run`);
    }
  }
  store.queryTableEntitiesWithPartitionAndRowKey = async function queryTableEntitiesWithPartitionAndRowKey(this: TableMetadataStore, context, table, account, partitionKey, rowKey) {
    return findRow(this.getEntityCollection(account, table, context), partitionKey, rowKey);
  };
  store.insertTableEntity = async function insertTableEntity(this: TableMetadataStore, context, table, account, entity, batchId) {
    const tableEntityCollection = this.getEntityCollection(account, table, context);
    const doc = findRow(tableEntityCollection, entity.PartitionKey, entity.RowKey); // the one change
    if (doc) throw getEntityAlreadyExist(context);
    entity.properties.Timestamp = entity.lastModifiedTime;
    entity.properties['Timestamp@odata.type'] = 'Edm.DateTime';
    if (batchId !== '' && batchId !== undefined) this.transactionDeleteTheseEntities.push(entity);
    tableEntityCollection.insert(entity);
    return entity;
  };
}

export interface SeedingAzurite {
  /** A connection string whose TableEndpoint is this server; its Blob and Queue endpoints answer nothing. */
  connectionString: string;
  /** Stops the server; LokiJS saves the store to `location` first. */
  stop(): Promise<void>;
}

/** Starts the seeding Table service over `location` (a directory Azurite's `--location` will then be given). */
export async function startSeedingAzurite(location: string, host = '127.0.0.1'): Promise<SeedingAzurite> {
  const require = createRequire(import.meta.url);
  const TableServer = require('azurite/dist/src/table/TableServer.js').default;
  const TableConfiguration = require('azurite/dist/src/table/TableConfiguration.js').default;
  const StorageErrorFactory = require('azurite/dist/src/table/errors/StorageErrorFactory.js').default;
  const port = await freePort(host);
  // As azurite.js builds it from the command line startAzurite gives, but for the location and no access log.
  const configuration = new TableConfiguration(host, port, undefined, join(location, TABLE_STORE_FILE), false, false, undefined, undefined, false, true, '', '', '', undefined, false, false);
  const server = new TableServer(configuration);
  swapLookupOrder(server.metadataStore, (context) => StorageErrorFactory.getEntityAlreadyExist(context));
  await server.start();
  // LokiJS saves the whole store as one JSON string every 5 s while it is dirty: at 100,000 policies
  // (about 250 MiB) that stalls each write for seconds. It saves once, when the server stops, instead.
  server.metadataStore.db.autosaveDisable();
  const unused = `http://${host}:9/${DEV_ACCOUNT}`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${unused};QueueEndpoint=${unused};TableEndpoint=http://${host}:${port}/${DEV_ACCOUNT};`,
    stop: async () => {
      await server.close();
    },
  };
}
