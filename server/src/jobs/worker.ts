import { Agenda, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Deps } from '../shared/deps.js';
import type { JobDefinition } from './index.js';

/**
 * The worker: Agenda on the same MongoDB, sharing locks with every other worker. `now()`/`at()` are
 * the only way other code enqueues work, by job name and ids. It is built before the modules (they
 * get it as their job queue port) and given their jobs (`define`) once they are composed.
 */
export class Worker {
  readonly agenda: Agenda;
  private readonly backend: MongoBackend;
  private defs: JobDefinition[] = [];

  constructor(
    private readonly deps: Deps,
    options: { processEveryMs?: number; lockLifetimeMs?: number } = {},
  ) {
    const { config } = deps;
    this.backend = new MongoBackend({ address: config.MONGODB_URI, collection: 'agenda_jobs' });
    this.agenda = new Agenda({
      backend: this.backend,
      processEvery: options.processEveryMs ?? config.JOBS_PROCESS_EVERY_MS,
      defaultLockLifetime: options.lockLifetimeMs ?? config.JOBS_LOCK_LIFETIME_MS,
    });
    this.agenda.on('fail', (err: Error, job: Job | undefined) => deps.log.warn({ job: job?.attrs?.name, err: err.message }, 'job failed'));
  }

  /** Declares the jobs (the modules' manifests, `jobs/index.ts`); before `start()`. */
  define(defs: JobDefinition[]): void {
    const { config } = this.deps;
    this.defs = defs;
    for (const def of defs) {
      this.agenda.define(
        def.name,
        async (job: Job<Record<string, unknown>>) => {
          await def.run(job.attrs.data ?? {});
        },
        { concurrency: def.concurrency ?? 1, lockLifetime: def.lockLifetimeMs ?? config.JOBS_LOCK_LIFETIME_MS },
      );
    }
  }

  /** Connects without processing: for servers that only enqueue. */
  async ready(): Promise<void> {
    await this.agenda.ready;
  }

  async start(): Promise<void> {
    await this.agenda.ready;
    await this.agenda.start();
    for (const def of this.defs.filter((d) => d.every)) {
      await this.agenda.every(def.every!, def.name, {}, { skipImmediate: true });
    }
  }

  async now(name: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.agenda.now(name, data);
  }

  async at(when: Date, name: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.agenda.schedule(when, name, data);
  }

  async stop(): Promise<void> {
    await this.agenda.stop();
    // Agenda.stop() returns early when processing never started (a server-only process), which
    // left the connection ready() opened and kept the process (and jest) from exiting.
    await this.backend.disconnect().catch(() => undefined);
  }
}
