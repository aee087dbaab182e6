"""FLOPs and parameters of a config's model at an input size.

    python tools/analysis_tools/get_flops.py CONFIG --shape 512 1024
"""
import argparse

from mmengine.config import DictAction

from mmrtseg.apis import build_segmentor_from_config
from mmrtseg.utils.complexity import (inference_parameters,
                                      segmentor_complexity)


def parse_args():
    parser = argparse.ArgumentParser(description='FLOPs of a segmentor')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=[512, 1024],
        help='input height and width')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args()


def main():
    args = parse_args()
    model = build_segmentor_from_config(args.config, args.cfg_options)
    height, width = args.shape
    flops, _ = segmentor_complexity(model, height, width)
    params = inference_parameters(model)
    print(f'config: {args.config}')
    print(f'input shape: 1x3x{height}x{width}')
    print(f'GFLOPs: {flops / 1e9:.3f}')
    print(f'parameters (M): {params / 1e6:.3f} (inference network, '
          'auxiliary heads not counted)')


if __name__ == '__main__':
    main()
