import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  builtInEdiMapsDir,
  loadTransactionSetSchemas,
  TransactionSetSchemaError,
  type CompiledLevel,
} from './schema';

const builtIn = builtInEdiMapsDir();
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;

describe('built-in transaction-set schemas', () => {
  const schemas = loadTransactionSetSchemas([builtIn]);

  it('loads every version folder and every set file in it', () => {
    expect(schemas.versions()).toEqual(['004010', '005010']);
    const ids = (version: string) =>
      schemas
        .all()
        .filter((set) => set.version === version)
        .map((set) => set.id);
    expect(ids('004010')).toEqual(['810', '850', '855', '856', '997']);
    // X12.231: the 999 exists from 005010 on.
    expect(ids('005010')).toEqual(['810', '850', '855', '856', '997', '999']);
    expect(schemas.get('004010', '999')).toBeUndefined();
  });

  it('matches GS08 on its first six characters', () => {
    expect(schemas.get('005010X231A1', '999')?.name).toBe('Implementation Acknowledgment');
    expect(schemas.get('004010VICS', '850')?.functionalGroup).toBe('PO');
    expect(schemas.get('003040', '850')).toBeUndefined();
  });

  it.each(['004010', '005010'])(
    '%s: every segment a set uses and every element a segment uses is defined',
    (version) => {
      const folder = path.join(builtIn, 'x12', version);
      const elements = readJson(path.join(folder, 'elements.json'));
      const composites = readJson(path.join(folder, 'composites.json'));
      const segments = readJson(path.join(folder, 'segments.json'));
      for (const [id, composite] of Object.entries(composites)) {
        for (const component of composite.components) {
          expect([id, component.ref, component.ref in elements]).toEqual([id, component.ref, true]);
        }
      }
      for (const [id, segment] of Object.entries(segments)) {
        for (const element of segment.elements) {
          const known = element.ref in elements || element.ref in composites;
          expect([id, element.ref, known]).toEqual([id, element.ref, true]);
        }
      }
      const setFiles = readdirSync(folder).filter((name) => /^[0-9A-Z]{3}\.json$/.test(name));
      for (const name of setFiles) {
        const walk = (structure: any[]): void => {
          for (const item of structure) {
            if (item.loop) walk(item.structure);
            else
              expect([name, item.segment, item.segment in segments]).toEqual([
                name,
                item.segment,
                true,
              ]);
          }
        };
        walk(readJson(path.join(folder, name)).structure);
      }
    },
  );

  it('compiles each set into sane levels', () => {
    for (const set of schemas.all()) {
      const where = `${set.version}/${set.id}`;
      const root = set.root;
      expect([where, root.entries[0]?.segmentId, root.entries.at(-1)?.segmentId]).toEqual([
        where,
        'ST',
        'SE',
      ]);
      const visit = (level: CompiledLevel): number => {
        const ids = level.entries.map((entry) => entry.segmentId);
        expect([where, new Set(ids).size]).toEqual([where, ids.length]);
        let depth = 0;
        level.entries.forEach((entry, index) => {
          expect(level.index.get(entry.segmentId)).toBe(index);
          expect(set.segments.get(entry.segmentId)).toBe(entry.segment);
          for (const use of entry.segment.elements) {
            expect(use.simple !== null || use.composite !== null).toBe(true);
          }
          if (entry.loop) {
            expect(entry.loop.entries[0]?.max).toBe(1);
            expect(entry.key).toBe(`${entry.loop.loopId}Loop`);
            depth = Math.max(depth, 1 + visit(entry.loop));
          }
        });
        return depth;
      };
      expect(visit(root)).toBe(set.depth);
    }
  });

  it('uses the standard loop repeats', () => {
    const loop = (version: string, setId: string, key: string) =>
      schemas.get(version, setId)?.root.entries.find((entry) => entry.key === key);
    expect(loop('004010', '850', 'PO1Loop')?.max).toBe(100000);
    expect(loop('005010', '856', 'HLLoop')?.max).toBe(200000);
    expect(loop('004010', '810', 'IT1Loop')?.max).toBe(200000);
    expect(loop('005010', '999', 'AK2Loop')?.max).toBe(999999);
  });
});

describe('loading from several folders', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'crossdock-edi-maps-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const write = (relative: string, content: unknown) => {
    const file = path.join(home, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const minimalSet = (id: string, segment = 'BEG') => ({
    id,
    version: '004010',
    functionalGroup: 'PO',
    name: `Set ${id}`,
    structure: [
      { segment: 'ST', req: 'M', max: 1 },
      { segment, req: 'M', max: 1 },
      { segment: 'SE', req: 'M', max: 1 },
    ],
  });

  it('takes a file from the first folder holding it and the rest from the next', () => {
    write('x12/004010/850.json', { ...minimalSet('850'), name: 'Our own 850' });
    write('x12/004010/860.json', minimalSet('860'));
    const schemas = loadTransactionSetSchemas([home, builtIn]);
    expect(schemas.get('004010', '850')?.name).toBe('Our own 850');
    expect(schemas.get('004010', '860')?.root.entries.map((entry) => entry.key)).toEqual([
      'ST',
      'BEG',
      'SE',
    ]);
    expect(schemas.get('004010', '856')?.name).toBe('Ship Notice/Manifest');
    expect(schemas.get('005010', '999')).toBeDefined();
  });

  const refusal = (dirs: string[]) => {
    try {
      loadTransactionSetSchemas(dirs);
    } catch (error) {
      expect(error).toBeInstanceOf(TransactionSetSchemaError);
      const { file, pointer, reason } = error as TransactionSetSchemaError;
      return { file: path.relative(home, file), pointer, reason };
    }
    throw new Error('loaded');
  };

  it('refuses a set naming an unknown segment, with file, path and reason', () => {
    write('x12/004010/860.json', minimalSet('860', 'POC'));
    expect(refusal([home, builtIn])).toEqual({
      file: 'x12/004010/860.json',
      pointer: '/structure/1/segment',
      reason: 'unknown segment POC: not in segments.json',
    });
  });

  it('refuses a file that does not match transaction-set.schema.json', () => {
    const set = minimalSet('860');
    write('x12/004010/860.json', { ...set, structure: [{ ...set.structure[0], max: 0 }] });
    expect(refusal([home, builtIn])).toMatchObject({
      file: 'x12/004010/860.json',
      pointer: '/structure/0/max',
    });
  });

  it('refuses a set whose id is not its file name, and broken JSON', () => {
    write('x12/004010/861.json', minimalSet('860'));
    expect(refusal([home, builtIn])).toMatchObject({ pointer: '/id' });
    rmSync(path.join(home, 'x12'), { recursive: true });
    write('x12/004010/elements.json', '{ "353": ');
    expect(refusal([home, builtIn]).reason).toMatch(/^not valid JSON/);
  });

  it('refuses a segment dictionary naming an unknown element', () => {
    const segments = readJson(path.join(builtIn, 'x12/004010/segments.json'));
    segments.BEG.elements[1].ref = '99999'.slice(0, 4);
    write('x12/004010/segments.json', segments);
    expect(refusal([home, builtIn])).toEqual({
      file: 'x12/004010/segments.json',
      pointer: '/BEG/elements/1/ref',
      reason: 'unknown element 9999: not in elements.json',
    });
  });

  it('refuses a level using a segment id twice and a misnamed version folder', () => {
    const set = minimalSet('860');
    set.structure.splice(2, 0, { segment: 'BEG', req: 'O', max: 1 });
    write('x12/004010/860.json', set);
    expect(refusal([home, builtIn])).toMatchObject({ pointer: '/structure/2' });
    rmSync(path.join(home, 'x12'), { recursive: true });
    write('x12/4010/860.json', minimalSet('860'));
    expect(refusal([home, builtIn]).reason).toMatch(/six digits/);
  });
});
