import { ForbiddenException, Inject, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isDeepStrictEqual } from 'node:util';
import {
  DocumentOwners, newEvent, publishedSpec, type ApplyOutcome, type ApplyResult, type ConfigDocument, type DocumentKind, type SpecOf,
} from '@vigil/contracts';
import type { Principal } from '@vigil/auth';
import { assertIdentifier, preparedQuery } from '@vigil/persistence';
import { MessagingService } from '../messaging/messaging.service';
import { PLATFORM_OPTIONS, type PlatformOptions } from '../platform.options';

export interface StoredDocument<K extends DocumentKind = DocumentKind> {
  tenantId: string;
  kind: K;
  name: string;
  spec: SpecOf<K>;
  labels: Record<string, string>;
  generation: number;
}

/** The tenant a document belongs to: its own name for a Tenant, `metadata.tenant` otherwise. */
export function tenantOf(doc: ConfigDocument): string {
  return doc.kind === 'Tenant' ? doc.metadata.name : doc.metadata.tenant!;
}

/**
 * Stores the kinds of document this service owns and publishes `config-applied` for
 * each change through the outbox, so other services project it. Applying the same
 * document twice changes nothing.
 */
@Injectable()
export class ConfigDocumentsService {
  private readonly table: string;

  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
  ) {
    this.table = `${assertIdentifier(options.schema)}.config_documents`;
  }

  async apply(doc: ConfigDocument, principal: Principal): Promise<ApplyResult> {
    const tenantId = tenantOf(doc);
    if (DocumentOwners[doc.kind] !== this.options.service) {
      throw new UnprocessableEntityException(`kind: ${doc.kind} documents are applied to ${DocumentOwners[doc.kind]}, not ${this.options.service}`);
    }
    if (tenantId !== principal.tenantId) throw new ForbiddenException(`metadata.tenant: the token may only configure tenant ${principal.tenantId}`);
    const labels = doc.metadata.labels ?? {};
    const result = await this.dataSource.transaction(async (manager) => {
      const [current] = await manager.query(
        `select spec, labels, generation from ${this.table} where tenant_id = $1 and kind = $2 and name = $3 for update`,
        [tenantId, doc.kind, doc.metadata.name],
      );
      let outcome: ApplyOutcome;
      let generation: number;
      if (!current) {
        outcome = 'created';
        generation = 1;
        await manager.query(
          `insert into ${this.table} (tenant_id, kind, name, spec, labels, generation) values ($1, $2, $3, $4::jsonb, $5::jsonb, 1)
           on conflict (tenant_id, kind, name) do nothing`,
          [tenantId, doc.kind, doc.metadata.name, JSON.stringify(doc.spec), JSON.stringify(labels)],
        );
      } else if (isDeepStrictEqual(current.spec, JSON.parse(JSON.stringify(doc.spec))) && isDeepStrictEqual(current.labels, labels)) {
        return { outcome: 'unchanged' as const, generation: current.generation as number };
      } else {
        outcome = 'updated';
        generation = (current.generation as number) + 1;
        await manager.query(
          `update ${this.table} set spec = $4::jsonb, labels = $5::jsonb, generation = $6, updated_at = now() where tenant_id = $1 and kind = $2 and name = $3`,
          [tenantId, doc.kind, doc.metadata.name, JSON.stringify(doc.spec), JSON.stringify(labels), generation],
        );
      }
      const event = newEvent({
        type: 'config-applied',
        tenantId,
        subject: `${doc.kind}/${doc.metadata.name}`,
        sequence: generation,
        occurredAt: new Date().toISOString(),
        data: { kind: doc.kind, name: doc.metadata.name, generation, spec: publishedSpec(doc.kind, doc.spec as unknown as Record<string, unknown>) },
      });
      await this.messaging.publish(manager, [{ event, key: `${tenantId}/config` }]);
      return { outcome, generation };
    });
    this.messaging.flush();
    return { kind: doc.kind, name: doc.metadata.name, tenant: tenantId, result: result.outcome, generation: result.generation };
  }

  async get<K extends DocumentKind>(tenantId: string, kind: K, name: string, manager: EntityManager = this.dataSource.manager): Promise<StoredDocument<K> | undefined> {
    const [row] = await preparedQuery(manager, `select ${StoredColumns} from ${this.table} where tenant_id = $1 and kind = $2 and name = $3`, [tenantId, kind, name]);
    return row ? toStored<K>(row) : undefined;
  }

  async list<K extends DocumentKind>(tenantId: string, kind: K, manager: EntityManager = this.dataSource.manager): Promise<StoredDocument<K>[]> {
    return this.listKinds(tenantId, [kind], manager);
  }

  /** The tenant's documents of several kinds in one query, by kind and name. */
  async listKinds<K extends DocumentKind>(tenantId: string, kinds: readonly K[], manager: EntityManager = this.dataSource.manager): Promise<StoredDocument<K>[]> {
    const rows = await preparedQuery(manager, `select ${StoredColumns} from ${this.table} where tenant_id = $1 and kind = any($2) order by kind, name`, [tenantId, kinds]);
    return rows.map((row) => toStored<K>(row));
  }
}

/** What `toStored` reads, named: a prepared `select *` would fail once a migration added a column. */
const StoredColumns = 'tenant_id, kind, name, spec, labels, generation';

function toStored<K extends DocumentKind>(row: Record<string, unknown>): StoredDocument<K> {
  return {
    tenantId: row.tenant_id as string,
    kind: row.kind as K,
    name: row.name as string,
    spec: row.spec as SpecOf<K>,
    labels: row.labels as Record<string, string>,
    generation: row.generation as number,
  };
}
