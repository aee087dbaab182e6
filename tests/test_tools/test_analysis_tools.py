"""The analysis tools run on a config and print what they promise."""
import re

from tool_helpers import run_tool

ENET = 'configs/enet/enet_2xb8-200e_cityscapes-1024x512.py'
ESNET = 'configs/esnet/esnet_2xb8-200e_cityscapes-1024x512.py'


def test_get_flops_prints_flops_and_parameters():
    out = run_tool(['tools/analysis_tools/get_flops.py', ENET, '--shape',
                    '64', '128'])
    assert 'input shape: 1x3x64x128' in out
    assert re.search(r'parameters \(M\): 0\.36\d', out), out[-2000:]
    gflops = float(re.search(r'GFLOPs: ([\d.]+)', out).group(1))
    # ENet costs about 4 GFLOPs at 512x1024; FLOPs scale with the pixels
    assert 0.03 < gflops < 0.1


def test_benchmark_prints_latency_and_ratio():
    out = run_tool(['tools/analysis_tools/benchmark.py', ESNET, '--shape',
                    '64', '128', '--warmup', '1', '--repeats', '3',
                    '--reference', ENET])
    latencies = re.findall(r'latency ([\d.]+) ms, FPS ([\d.]+)', out)
    assert len(latencies) == 2, out[-2000:]
    ratio = float(re.search(r'latency ratio .*: ([\d.]+)', out).group(1))
    assert ratio > 0


def test_benchmark_metrics_prints_ratio():
    out = run_tool(['tools/analysis_tools/benchmark_metrics.py', '--shape',
                    '128', '256', '--images', '2', '--warmup', '0',
                    '--repeats', '1'])
    assert re.search(r'ratio[^\n]*\d', out, re.IGNORECASE), out[-2000:]


def test_train_with_amp_uses_cpu_autocast(tmp_path, camvid_root):
    from tool_helpers import make_camvid_subset
    data_root = make_camvid_subset(camvid_root, tmp_path / 'camvid', 2, 1)
    out = run_tool([
        'tools/train.py', 'configs/enet/enet_1xb8-300i_camvid-320x240.py',
        '--amp', '--work-dir', tmp_path / 'work', '--cfg-options',
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_iters=4',
        'train_cfg.val_interval=100', 'param_scheduler.0.total_steps=4',
        'param_scheduler.0.pct_start=0.5', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=4'
    ])
    assert "type='CPUAutocastOptimWrapper'" in out
    assert 'Iter(train) [4/4]' in out
    assert (tmp_path / 'work' / 'iter_4.pth').exists()


def test_model_zoo_table(tmp_path):
    page = tmp_path / 'zoo.md'
    out = run_tool(['tools/analysis_tools/model_zoo.py', '--only', 'ENet',
                    'ESNet', 'CGNet', '--shape', '64', '128', '--repeats',
                    '2', '--markdown', page])
    rows = [line for line in out.splitlines() if line.startswith('| E')]
    assert len(rows) == 2, out[-2000:]
    # CGNet-M3N21's reference is the paper's: marked, and the note follows
    (m3n21, ) = [line for line in out.splitlines() if 'm3n21' in line]
    assert m3n21.split('|')[4].strip() == '0.500 (1)'
    assert "(1) CGNet-M3N21: the paper's count" in out
    enet = rows[0].split('|')
    assert enet[1].strip() == 'ENet' and enet[3].strip() == '0.364'
    assert enet[-2].strip() == '1.00'  # ENet's latency ratio to itself
    assert '# Model zoo' in page.read_text()
