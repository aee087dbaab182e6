# CGNet-M3N21 (https://arxiv.org/abs/1811.08201), the paper's main model:
# the compact CGNet's composition with mmseg's CGNet (the official code's
# network, M=3, N=21) as the backbone.
_base_ = './cgnet.py'
model = dict(backbone=dict(type='CGNet', num_blocks=(3, 21)))
