"""FLOPs and parameters of a config's model at an input size.

    python tools/analysis_tools/get_flops.py CONFIG --shape 512 1024
"""
import argparse

import torch
from mmengine.analysis import get_model_complexity_info

from mmrtseg.apis import build_segmentor_from_config


def parse_args():
    parser = argparse.ArgumentParser(description='FLOPs of a segmentor')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[512, 1024],
        help='input height and width')
    parser.add_argument('--cfg-options', nargs='+', default=None)
    return parser.parse_args()


def complexity(model, height, width):
    """Return (flops, params) of ``model`` on a 1x3xHxW input, the forward
    of the segmentor in tensor mode (inference network, no loss)."""
    model.eval()
    inputs = torch.zeros(1, 3, height, width)
    with torch.no_grad():
        info = get_model_complexity_info(
            model, inputs=(inputs, None, 'tensor'), show_table=False,
            show_arch=False)
    return info['flops'], info['params']


def main():
    args = parse_args()
    model = build_segmentor_from_config(args.config)
    height, width = args.shape
    flops, params = complexity(model, height, width)
    print(f'config: {args.config}')
    print(f'input shape: 1x3x{height}x{width}')
    print(f'GFLOPs: {flops / 1e9:.3f}')
    print(f'parameters (M): {params / 1e6:.3f}')


if __name__ == '__main__':
    main()
