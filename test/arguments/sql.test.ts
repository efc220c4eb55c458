// SQL arguments: every statement's kind is found past comments and quoted text; stacked or hidden writes are
// refused, ambiguous quoting is refused, and plain reads pass (including `;` and keywords inside literals).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementKinds, vetSql } from '../../src/arguments/sql.ts';

const rules = { allow: ['select'] };

describe('vetSql', () => {
  it('accepts reads, with keywords and semicolons inside literals and comments', () => {
    for (const sql of [
      'select 1',
      "SELECT * FROM t WHERE name = 'x; drop table t'",
      'select "delete" from t; ',
      'select 1 -- ; drop table x',
      '/* drop table x; */ select 1',
      "select 'it''s'",
      'select $$; drop table x$$',
      'select $tag$ ; delete from t $tag$',
      '(select 1) union (select 2)',
      'with a as (select 1) select * from a',
      'select 1; select 2',
    ]) {
      assert.ok(vetSql(sql, rules).ok, sql);
    }
  });

  it('refuses writes, stacked statements and data-modifying CTEs', () => {
    for (const sql of [
      'drop table x',
      'select 1; drop table x',
      'select 1;drop table x',
      'SELECT 1; DELETE FROM users',
      'select 1 /* */; insert into t values (1)',
      'with d as (delete from t returning *) select * from d',
      'with a as (select 1) insert into t select * from a',
      'update t set a = 1',
      "select 'a'; truncate t",
      'select 1;\n-- c\ngrant all on t to evil',
    ]) {
      assert.equal(vetSql(sql, rules).ok, false, sql);
    }
  });

  it('refuses ambiguous or unterminated text and empty input', () => {
    for (const sql of [
      "select '\\'; drop table x; --'",
      "select 'unterminated",
      'select 1 /* open',
      'select /* /* nested */ */ 1',
      'select /*! drop */ 1',
      'select $x$ open',
      '',
      ' -- only a comment',
      ';',
    ]) {
      assert.equal(vetSql(sql, rules).ok, false, sql);
    }
  });

  it('honours the allow list', () => {
    assert.ok(vetSql('insert into t values (1)', { allow: ['select', 'insert'] }).ok);
  });

  it('lists the kinds of every statement', () => {
    const kinds = statementKinds('select 1; with x as (update t set a=1) select 1');
    assert.ok(kinds.ok);
    assert.deepEqual(kinds.value, [['select'], ['with', 'update', 'select']]);
  });
});
