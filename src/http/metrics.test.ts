import { formatGauges } from './metrics';

describe('Prometheus text format 0.0.4', () => {
  test('writes HELP, TYPE and one line per sample, label values escaped', () => {
    expect(
      formatGauges([
        {
          name: 'crossdock_x12_outbound_overdue',
          help: 'Sets past due.\nSee the README \\ docs.',
          samples: [
            { labels: { partner: 'globex-retail' }, value: 2 },
            { labels: { partner: 'odd "name"\\with\nnewline' }, value: 0 },
          ],
        },
        { name: 'crossdock_unlabelled', help: 'One value.', samples: [{ labels: {}, value: NaN }] },
      ]),
    ).toBe(
      [
        '# HELP crossdock_x12_outbound_overdue Sets past due.\\nSee the README \\\\ docs.',
        '# TYPE crossdock_x12_outbound_overdue gauge',
        'crossdock_x12_outbound_overdue{partner="globex-retail"} 2',
        'crossdock_x12_outbound_overdue{partner="odd \\"name\\"\\\\with\\nnewline"} 0',
        '# HELP crossdock_unlabelled One value.',
        '# TYPE crossdock_unlabelled gauge',
        'crossdock_unlabelled NaN',
        '',
      ].join('\n'),
    );
  });

  test('no gauges: an empty body', () => {
    expect(formatGauges([])).toBe('');
  });
});
