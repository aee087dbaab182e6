"""tools/analysis_tools/benchmark_bpr.py on a few real COCO instances."""
import re

from tool_helpers import run_tool


def test_benchmark_bpr_prints_rates_and_ratios(coco_tiny_root):
    out = run_tool([
        'tools/analysis_tools/benchmark_bpr.py', '--ann',
        coco_tiny_root / 'annotations' / 'instances_val2017.json',
        '--img-dir', coco_tiny_root / 'val2017', '--max-instances', '8',
        '--repeats', '1'
    ])
    count = int(re.search(r'(\d+) instances of (\d+) images', out).group(1))
    assert count >= 8
    assert 'identical boxes and masks: yes' in out, out[-2000:]
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) == 6 and re.fullmatch(r'0\.\d\d', cells[0]):
            rows[cells[0]] = cells
    assert set(rows) == {'0.25', '0.55'}, out[-2000:]
    # fewer, wider-spaced patches at the lower threshold
    assert int(rows['0.25'][1]) < int(rows['0.55'][1])
    assert float(rows['0.55'][2]) == 1.0  # every boundary pixel covered
    assert 0.9 < float(rows['0.25'][2]) <= 1.0
    for cells in rows.values():
        ref, ours = float(cells[3]), float(cells[4])
        assert ref > 0 and ours > 0
        # the ratio is of the unrounded rates
        assert cells[5].endswith('x')
        assert abs(float(cells[5][:-1]) - ours / ref) < 0.1 + ours / ref * 1e-3
