"""tools/analysis_tools/benchmark_coders.py on a few real COCO masks."""
import re

from tool_helpers import run_tool


def test_benchmark_coders_prints_rates_and_ratios(coco_tiny_root):
    ann = coco_tiny_root / 'annotations' / 'instances_val2017.json'
    out = run_tool(['tools/analysis_tools/benchmark_coders.py', '--ann', ann,
                    '--max-masks', '20', '--repeats', '1'])
    count = int(re.search(r'(\d+) masks of (\d+) images', out).group(1))
    assert count >= 20
    assert re.search(r'reference: COCO annotation -> bitmap .* '
                     r'\d+ masks/s', out), out[-2000:]
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip('|').split('|')]
        if len(cells) == 6 and cells[0].endswith('Coder'):
            rows[cells[0]] = cells
    assert set(rows) == {'ChebyshevContourCoder', 'FourierContourCoder',
                         'PCAMaskCoder'}, out[-2000:]
    assert rows['ChebyshevContourCoder'][1] == '18'
    assert rows['FourierContourCoder'][1] == '19'
    # PCA fitted on the benchmark masks: fewer codes than masks
    assert int(rows['PCAMaskCoder'][1]) < count
    for cells in rows.values():
        rates = [float(c) for c in cells[2:]]
        assert all(r > 0 for r in rates), cells
