"""Latency and FPS of a config's model at an input size.

    python tools/analysis_tools/benchmark.py CONFIG --shape 512 1024
    python tools/analysis_tools/benchmark.py CONFIG --reference OTHER_CONFIG

Machines are shared and noisy: with ``--reference`` the reference model is
timed in the same run, interleaved, and the latency ratio is printed.
"""
import argparse
import statistics
import time

import torch

from mmrtseg.apis import build_segmentor_from_config


def parse_args():
    parser = argparse.ArgumentParser(description='Latency of a segmentor')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[512, 1024],
        help='input height and width')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--reference', help='config of a reference model timed alongside')
    return parser.parse_args()


def make_runner(model, batch_size, height, width, device):
    model = model.to(device).eval()
    inputs = torch.randn(batch_size, 3, height, width, device=device)

    def forward():
        with torch.no_grad():
            model(inputs, None, 'tensor')
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    return forward


def time_once(forward):
    start = time.perf_counter()
    forward()
    return time.perf_counter() - start


def benchmark(forwards, warmup, repeats):
    """Median seconds per forward of each callable, runs interleaved."""
    for forward in forwards:
        for _ in range(warmup):
            forward()
    times = [[] for _ in forwards]
    for _ in range(repeats):
        for i, forward in enumerate(forwards):
            times[i].append(time_once(forward))
    return [statistics.median(t) for t in times]


def main():
    args = parse_args()
    height, width = args.shape
    configs = [args.config] + ([args.reference] if args.reference else [])
    forwards = [
        make_runner(build_segmentor_from_config(c), args.batch_size, height,
                    width, args.device) for c in configs
    ]
    medians = benchmark(forwards, args.warmup, args.repeats)
    print(f'input: {args.batch_size}x3x{height}x{width} on {args.device}, '
          f'threads={torch.get_num_threads()}, median of {args.repeats}')
    for config, median in zip(configs, medians):
        print(f'{config}: latency {median * 1000:.1f} ms, '
              f'FPS {args.batch_size / median:.2f}')
    if args.reference:
        print(f'latency ratio (model / reference): '
              f'{medians[0] / medians[1]:.3f}')


if __name__ == '__main__':
    main()
