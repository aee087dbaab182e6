# Class weights of the cross-entropy for CamVid's 11 classes (sky, building,
# pole, road, sidewalk, tree, sign, fence, car, pedestrian, bicyclist):
# ENet's w_c = 1 / ln(1.02 + p_c) (https://arxiv.org/abs/1606.02147), p_c the
# pixel frequency of class c over the 367 training labels (void left out),
# scaled so that sum_c p_c w_c = 1 (the loss keeps its scale, and OHEM's
# threshold its meaning). tests/test_configs/test_recipe_options.py
# recomputes them from ../shared/data/camvid/trainannot. Use with:
#   _base_ = ['<a camvid config>',
#             '../_base_/datasets/camvid_class_weights.py']
#   model = dict(decode_head=dict(loss_decode=dict(
#       class_weight=_base_.camvid_class_weight)))
camvid_class_weight = [
    0.8, 0.6132, 4.7934, 0.4762, 2.2109, 1.2476, 4.5033, 4.5704, 1.8316,
    5.4273, 6.2687
]
