// Stored review reports, in the state directory's rampart.db (table review_reports), so `rampart review history`
// and `show` can compare runs and the schedule can tell when it last ran, across restarts and processes.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ReviewOptions, ReviewReport, ReviewSource, ReviewSummary } from './report.ts';

/** One stored report without its findings, as the history lists it. */
export interface StoredReviewSummary {
  readonly id: string;
  /** ms since the epoch: the report's time. */
  readonly time: number;
  readonly source: ReviewSource;
  readonly options: ReviewOptions;
  readonly summary: ReviewSummary;
}

interface Row {
  id: string;
  time: number;
  source: string;
  options: string;
  findings: number;
  summary: string;
  report: string;
}

export class ReviewStore {
  private readonly db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Opens (creating when needed) the review table in `<stateDir>/rampart.db`. */
  static open(stateDir: string): ReviewStore {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const db = new DatabaseSync(path.join(stateDir, 'rampart.db'));
    db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS review_reports (
        id TEXT PRIMARY KEY, time INTEGER NOT NULL, source TEXT NOT NULL, options TEXT NOT NULL,
        findings INTEGER NOT NULL, summary TEXT NOT NULL, report TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS review_reports_time ON review_reports (time);`);
    return new ReviewStore(db);
  }

  save(report: ReviewReport): void {
    this.db
      .prepare(
        `INSERT INTO review_reports (id, time, source, options, findings, summary, report)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        report.id,
        Date.parse(report.time),
        report.source,
        JSON.stringify(report.options),
        report.summary.findings,
        JSON.stringify(report.summary),
        JSON.stringify(report),
      );
  }

  get(id: string): ReviewReport | undefined {
    const row = this.db.prepare('SELECT report FROM review_reports WHERE id = ?').get(id) as
      | { report: string }
      | undefined;
    return row ? (JSON.parse(row.report) as ReviewReport) : undefined;
  }

  /** Stored reports, newest first (at most `limit`). */
  list(limit = 100): StoredReviewSummary[] {
    const rows = this.db
      .prepare(
        'SELECT id, time, source, options, findings, summary FROM review_reports ORDER BY time DESC, rowid DESC LIMIT ?',
      )
      .all(limit) as unknown as Omit<Row, 'report'>[];
    return rows.map((r) => ({
      id: r.id,
      time: r.time,
      source: r.source as ReviewSource,
      options: JSON.parse(r.options) as ReviewOptions,
      summary: JSON.parse(r.summary) as ReviewSummary,
    }));
  }

  /** When a report of `source` was last stored (ms), if ever. */
  lastTime(source: ReviewSource): number | undefined {
    const row = this.db
      .prepare('SELECT max(time) AS time FROM review_reports WHERE source = ?')
      .get(source) as {
      time: number | null;
    };
    return row.time ?? undefined;
  }

  close(): void {
    this.db.close();
  }
}
