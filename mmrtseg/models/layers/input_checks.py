"""Input checks shared by the backbones."""


def check_backbone_input(module, x, in_channels, size_divisor):
    """Raise ``ValueError`` unless ``x`` is ``N x in_channels x H x W`` with
    ``H`` and ``W`` divisible by ``size_divisor``."""
    name = type(module).__name__
    if x.dim() != 4 or x.shape[1] != in_channels:
        raise ValueError(f'{name} expects inputs of shape N x {in_channels} x '
                         f'H x W, got {tuple(x.shape)}')
    height, width = x.shape[2:]
    if height % size_divisor or width % size_divisor:
        raise ValueError(
            f'{name} needs input height and width divisible by '
            f'{size_divisor} (its decoder mirrors {size_divisor}x of '
            f'downsampling), got {height}x{width}; train on crops of such '
            'sizes and pad test images, e.g. with data_preprocessor=dict('
            f'test_cfg=dict(size_divisor={size_divisor}))')
