import path from 'node:path';
import { loadMaps, mapDirectories } from './index';
import { MapLoadError } from './errors';
import { removeMapFolders, writeMapFolder } from './fixtures/map-folders';

afterAll(removeMapFolders);

const base = `
codes:
  scheme:
    values: { UP: UPC, VN: VendorPart }
templates:
  id:
    scheme: $ qualifier | code scheme
    value: $ value
output:
  po: $ BEG.BEG03
  source: built-in
  ids:
    $each: PO1 | pairs PO106 PO111
    $use: id
  extra:
    a: 1
    b: 2
`;

const input = {
  BEG: { BEG03: 'PO-1' },
  PO1: { PO106: 'UP', PO107: '0123', PO108: 'IN', PO109: '77' },
};

function loadErrorOf(dirs: string[]): MapLoadError {
  try {
    loadMaps(dirs);
  } catch (error) {
    if (error instanceof MapLoadError) return error;
    throw error;
  }
  throw new Error('expected a MapLoadError');
}

describe('extends and partner overrides', () => {
  it('a partner file extends the base map: codes, templates and output merge key by key', () => {
    const dir = writeMapFolder({
      'maps/850-purchase-order.yaml': base,
      'partners/northwind-retail/850.yaml': `
extends: maps/850-purchase-order.yaml
codes:
  scheme:
    values: { IN: BuyerPart }
output:
  source: northwind
  extra:
    a: ~
    c: 3
`,
    });
    const catalog = loadMaps([dir]);
    const partnerMap = catalog.get('850-purchase-order', 'northwind-retail')!;
    expect(partnerMap.partnerId).toBe('northwind-retail');
    expect(partnerMap.files).toEqual([
      path.join(dir, 'maps/850-purchase-order.yaml'),
      path.join(dir, 'partners/northwind-retail/850.yaml'),
    ]);
    expect(partnerMap.run(input)).toEqual({
      po: 'PO-1',
      source: 'northwind',
      ids: [
        { scheme: 'UPC', value: '0123' },
        { scheme: 'BuyerPart', value: '77' },
      ],
      extra: { b: '2', c: '3' },
    });
    // Other partners, and no partner, get the base map.
    expect(catalog.get('850-purchase-order', 'globex')).toBe(catalog.get('850-purchase-order'));
    expect(catalog.get('850-purchase-order')!.run(input)).toMatchObject({
      source: 'built-in',
      ids: [{ scheme: 'UPC' }, { scheme: 'IN' }],
    });
    expect(catalog.list()).toHaveLength(2);
  });

  it('$replace: true replaces a mapping instead of merging into it', () => {
    const dir = writeMapFolder({
      'maps/m.yaml': base,
      'partners/p/m.yaml': 'extends: maps/m.yaml\noutput:\n  extra: { $replace: true, z: 26 }\n',
    });
    expect(loadMaps([dir]).get('m', 'p')!.run(input)).toMatchObject({ extra: { z: '26' } });
  });

  it('per file, the first folder wins: CROSSDOCK_HOME before the built-in folder', () => {
    const builtIn = writeMapFolder({
      'maps/m.yaml': base,
      'partners/p/m.yaml': 'extends: maps/m.yaml\noutput: { source: built-in partner }\n',
      'partners/q/m.yaml': 'extends: maps/m.yaml\noutput: { source: built-in q }\n',
    });
    const home = writeMapFolder({
      'partners/p/m.yaml': 'extends: maps/m.yaml\noutput: { source: home partner }\n',
    });
    const catalog = loadMaps([home, builtIn]);
    expect(catalog.get('m', 'p')!.run(input)).toMatchObject({ source: 'home partner', po: 'PO-1' });
    expect(catalog.get('m', 'q')!.run(input)).toMatchObject({ source: 'built-in q' });
    expect(catalog.get('m', 'p')!.file).toBe(path.join(home, 'partners/p/m.yaml'));
  });

  it('a home file that extends its own path extends the built-in copy of it', () => {
    const builtIn = writeMapFolder({ 'maps/m.yaml': base });
    const home = writeMapFolder({
      'maps/m.yaml': 'extends: maps/m.yaml\noutput: { source: home }\n',
    });
    const map = loadMaps([home, builtIn]).get('m')!;
    expect(map.run(input)).toMatchObject({ source: 'home', po: 'PO-1' });
    expect(map.files).toEqual([path.join(builtIn, 'maps/m.yaml'), path.join(home, 'maps/m.yaml')]);
  });

  it('names the override file for a mistake made there, and the base for one made there', () => {
    const dir = writeMapFolder({
      'maps/m.yaml': base,
      'partners/p/m.yaml':
        'extends: maps/m.yaml\noutput:\n  ids: { $use: id, value: $ value | nope }\n',
    });
    const error = loadErrorOf([dir]);
    expect(error.file).toBe(path.join(dir, 'partners/p/m.yaml'));
    expect(error.pointer).toBe('/output/ids/value');
    expect(error.reason).toMatch(/unknown function "nope"/);

    const broken = writeMapFolder({
      'maps/m.yaml': base.replace('code scheme', 'code schemes'),
      'partners/p/m.yaml': 'extends: maps/m.yaml\noutput: { source: p }\n',
    });
    expect(loadErrorOf([broken]).file).toBe(path.join(broken, 'maps/m.yaml'));
  });

  it('reports a missing base, an extends cycle and a name used twice', () => {
    const missing = writeMapFolder({ 'partners/p/m.yaml': 'extends: maps/gone.yaml\n' });
    expect(loadErrorOf([missing]).reason).toMatch(/maps\/gone\.yaml is not in any map folder/);

    const cycle = writeMapFolder({
      'maps/a.yaml': 'extends: maps/b.yaml\n',
      'maps/b.yaml': 'extends: maps/a.yaml\n',
    });
    expect(loadErrorOf([cycle]).reason).toMatch(/extends itself/);

    const clash = writeMapFolder({
      'maps/a.yaml': 'name: same\noutput: { a: b }\n',
      'maps/b.yaml': 'name: same\noutput: { a: b }\n',
    });
    expect(loadErrorOf([clash]).reason).toMatch(/the map name "same" is also used by/);
  });

  it('mapDirectories puts CROSSDOCK_HOME/edi-maps first when there is one', () => {
    const home = writeMapFolder({ 'edi-maps/maps/m.yaml': base });
    const dirs = mapDirectories(home);
    expect(dirs[0]).toBe(path.join(home, 'edi-maps'));
    expect(dirs[1]).toMatch(/edi-maps$/);
    expect(mapDirectories(undefined)).toEqual([dirs[1]]);
    expect(mapDirectories(writeMapFolder({}))).toEqual([dirs[1]]);
  });
});
