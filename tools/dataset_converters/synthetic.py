"""Generate a small street-scene-like dataset in the CamVid (SegNet) layout.

For demos and smoke tests where CamVid is absent: every image is a drawn
street (sky above a horizon, road below, buildings, pavements, trees, poles
with signs, fences, cars, pedestrians, bicyclists and a few void patches),
each class painted with its own colour and texture plus noise, so a model
can learn something from a few dozen images. The output is deterministic
for a given seed, and a sample depends only on (seed, split, index).

Layout written under OUT_DIR (what ``CamVidDataset`` reads)::

    train/ trainannot/ val/ valannot/ train.txt val.txt

Labels are 8-bit PNGs with values 0..10 (CamVid's classes) and 11 (void).

Example::

    python tools/dataset_converters/synthetic.py data/synthetic_camvid \\
        --num-train 24 --num-val 8 --size 480x360 --seed 0
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np

CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
           'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')
(SKY, BUILDING, POLE, ROAD, PAVEMENT, TREE, SIGN, FENCE, CAR, PEDESTRIAN,
 BICYCLIST) = range(len(CLASSES))
VOID = 11

#: Typical RGB colour of each class (index 11: void); jittered per image.
BASE_COLOURS = np.array(
    [[200, 215, 235], [140, 90, 70], [110, 110, 120], [90, 85, 95],
     [170, 160, 140], [50, 110, 40], [200, 30, 30], [120, 100, 70],
     [40, 60, 160], [150, 60, 110], [230, 160, 30], [20, 20, 20]],
    dtype=np.float32)
SIGN_COLOURS = np.array([[200, 30, 30], [30, 70, 200], [230, 200, 20]],
                        dtype=np.float32)
CAR_COLOURS = np.array([[40, 60, 160], [170, 20, 30], [220, 220, 225],
                        [25, 25, 30], [120, 125, 130]], dtype=np.float32)
SPLITS = ('train', 'val')


def _low_freq_noise(rng, height, width, cell=32):
    small = rng.normal(0, 1, (max(2, height // cell), max(2, width // cell)))
    return cv2.resize(small.astype(np.float32), (width, height),
                      interpolation=cv2.INTER_LINEAR)


def draw_label(rng, height, width):
    """Draw a street scene; return ``(label uint8 (H, W) with values 0..11,
    horizon row)``."""
    label = np.full((height, width), SKY, dtype=np.uint8)
    horizon = int(height * rng.uniform(0.38, 0.5))
    label[horizon:] = ROAD
    vp_x = int(width * rng.uniform(0.4, 0.6))

    for _ in range(rng.integers(2, 5)):
        x0 = int(rng.uniform(-0.1, 0.9) * width)
        x1 = x0 + int(rng.uniform(0.15, 0.45) * width)
        top = int(rng.uniform(0.05, 0.3) * height)
        cv2.rectangle(label, (x0, top), (x1, horizon + 4), BUILDING, -1)

    left_end = int(width * rng.uniform(0.1, 0.3))
    right_end = int(width * rng.uniform(0.7, 0.9))
    cv2.fillPoly(label, [np.array([[0, horizon], [vp_x - 20, horizon],
                                   [left_end, height - 1], [0, height - 1]],
                                  np.int32)], PAVEMENT)
    cv2.fillPoly(label, [np.array([[vp_x + 20, horizon], [width - 1, horizon],
                                   [width - 1, height - 1],
                                   [right_end, height - 1]], np.int32)],
                 PAVEMENT)

    if rng.random() < 0.7:
        side = rng.integers(2)
        x0, x1 = ((0, vp_x - 30) if side == 0 else (vp_x + 30, width - 1))
        top = horizon - int(height * rng.uniform(0.04, 0.1))
        cv2.rectangle(label, (x0, top), (x1, horizon + 6), FENCE, -1)

    for _ in range(rng.integers(1, 5)):
        centre = (int(rng.uniform(0, 1) * width),
                  int(rng.uniform(0.1, 1.0) * horizon))
        axes = (int(rng.uniform(20, 70)), int(rng.uniform(20, 60)))
        cv2.ellipse(label, centre, axes, 0, 0, 360, TREE, -1)

    for _ in range(rng.integers(1, 4)):
        x = int(rng.choice([rng.uniform(0.02, 0.3), rng.uniform(0.7, 0.98)])
                * width)
        bottom = horizon + int(height * rng.uniform(0.1, 0.4))
        top = int(height * rng.uniform(0.12, 0.35))
        cv2.rectangle(label, (x, top), (x + int(rng.integers(3, 7)), bottom),
                      POLE, -1)
        if rng.random() < 0.7:
            size = int(rng.integers(10, 20))
            if rng.random() < 0.5:
                cv2.circle(label, (x + 2, top), size // 2, SIGN, -1)
            else:
                cv2.rectangle(label, (x - size // 2, top - size // 2),
                              (x + size // 2, top + size // 2), SIGN, -1)

    for _ in range(rng.integers(0, 4)):
        bottom = horizon + int((height - horizon) * rng.uniform(0.2, 0.95))
        car_h = max(8, int((bottom - horizon) * rng.uniform(0.45, 0.6)))
        car_w = int(car_h * rng.uniform(1.4, 2.0))
        x0 = int(vp_x + rng.uniform(-1.2, 1.2) *
                 (bottom - horizon)) - car_w // 2
        cv2.rectangle(label, (x0, bottom - car_h // 2), (x0 + car_w, bottom),
                      CAR, -1)
        cv2.rectangle(label, (x0 + car_w // 5, bottom - car_h),
                      (x0 + car_w * 4 // 5, bottom - car_h // 2), CAR, -1)

    for _ in range(rng.integers(0, 4)):
        bottom = horizon + int((height - horizon) * rng.uniform(0.15, 0.9))
        person_h = max(12, int((bottom - horizon) * rng.uniform(0.9, 1.3)))
        x = int(rng.choice([rng.uniform(0.02, 0.25), rng.uniform(0.75, 0.98)])
                * width)
        cv2.ellipse(label, (x, bottom - person_h * 2 // 5),
                    (max(3, person_h // 7), person_h * 2 // 5), 0, 0, 360,
                    PEDESTRIAN, -1)
        cv2.circle(label, (x, bottom - person_h * 17 // 20),
                   max(2, person_h // 10), PEDESTRIAN, -1)

    if rng.random() < 0.5:
        bottom = horizon + int((height - horizon) * rng.uniform(0.3, 0.9))
        wheel = max(5, int((bottom - horizon) * 0.25))
        x = int(vp_x + rng.uniform(-0.8, 0.8) * (bottom - horizon))
        for dx in (-wheel, wheel):
            cv2.circle(label, (x + dx, bottom - wheel), wheel, BICYCLIST, 3)
        cv2.ellipse(label, (x, bottom - 3 * wheel), (wheel // 2, 2 * wheel),
                    0, 0, 360, BICYCLIST, -1)

    for _ in range(rng.integers(0, 3)):
        x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        cv2.rectangle(label, (x, y), (x + int(rng.integers(8, 30)),
                                      y + int(rng.integers(8, 30))), VOID, -1)
    return label, horizon


def _textures(rng, height, width, horizon):
    """One full-frame RGB texture per class (index 11: void)."""
    yy, xx = np.mgrid[0:height, 0:width]
    colours = BASE_COLOURS.copy()
    colours[SIGN] = SIGN_COLOURS[rng.integers(len(SIGN_COLOURS))]
    colours[CAR] = CAR_COLOURS[rng.integers(len(CAR_COLOURS))]
    colours[PEDESTRIAN] = rng.uniform(40, 200, 3)
    colours += rng.normal(0, 10, colours.shape).astype(np.float32)
    shade = np.ones((len(colours), height, width), np.float32)
    offset = np.zeros((len(colours), height, width), np.float32)

    shade[SKY] = 1.05 - 0.15 * np.clip(yy / max(horizon, 1), 0, 1)
    offset[SKY] = 6 * _low_freq_noise(rng, height, width)
    offset[BUILDING] = -35 * ((yy % 8) < 1)
    windows = ((xx % 24) >= 6) & ((xx % 24) < 16) & ((yy % 28) >= 8) & (
        (yy % 28) < 20)
    offset[BUILDING] -= 70 * windows
    shade[POLE] = 0.85 + 0.25 * np.sin(xx * 1.3) ** 2
    offset[ROAD] = rng.normal(0, 10, (height, width))
    offset[PAVEMENT] = -35 * (((xx % 20) < 1) | ((yy % 12) < 1))
    leaves = cv2.GaussianBlur(
        rng.normal(0, 30, (height, width)).astype(np.float32), (3, 3), 0)
    offset[TREE] = leaves + 15 * _low_freq_noise(rng, height, width, 16)
    offset[FENCE] = -45 * ((xx % 7) < 3)
    shade[CAR] = 0.8 + 0.4 * ((yy % 40) / 40.0)
    offset[PEDESTRIAN] = -25 * ((xx % 6) < 2)
    offset[BICYCLIST] = -50 * (((xx + yy) % 10) < 5)
    offset[VOID] = rng.normal(0, 30, (height, width))
    return colours[:, None, None, :] * shade[..., None] + offset[..., None]


def make_sample(rng, height, width):
    """Return ``(image RGB uint8 (H, W, 3), label uint8 (H, W))``."""
    label, horizon = draw_label(rng, height, width)
    textures = _textures(rng, height, width, horizon)
    image = textures[label, np.arange(height)[:, None],
                     np.arange(width)[None, :]]
    image = image * rng.uniform(0.8, 1.15) + rng.normal(0, 4, image.shape)
    image = cv2.GaussianBlur(image.astype(np.float32), (3, 3), 0)
    return np.clip(image, 0, 255).astype(np.uint8), label


def parse_size(text):
    """``'480x360'`` -> ``(480, 360)`` (width, height)."""
    try:
        width, height = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--size must be WIDTHxHEIGHT such as 480x360, got {text!r}')
    if width < 64 or height < 64:
        raise argparse.ArgumentTypeError(
            f'--size must be at least 64x64, got {text!r}')
    return width, height


def generate(out_dir, num_train=24, num_val=8, size=(480, 360), seed=0):
    """Write the dataset; return ``{split: number of samples}``."""
    width, height = size
    counts = dict(train=num_train, val=num_val)
    for split_index, split in enumerate(SPLITS):
        img_dir, ann_dir = split, f'{split}annot'
        os.makedirs(osp.join(out_dir, img_dir), exist_ok=True)
        os.makedirs(osp.join(out_dir, ann_dir), exist_ok=True)
        lines = []
        for index in range(counts[split]):
            rng = np.random.default_rng([seed, split_index, index])
            image, label = make_sample(rng, height, width)
            name = f'synthetic_{split}_{index:04d}.png'
            for path, array in ((osp.join(out_dir, img_dir, name),
                                 cv2.cvtColor(image, cv2.COLOR_RGB2BGR)),
                                (osp.join(out_dir, ann_dir, name), label)):
                if not cv2.imwrite(path, array):
                    raise OSError(f'could not write {path}')
            lines.append(f'{img_dir}/{name} {ann_dir}/{name}\n')
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.writelines(lines)
    return counts


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write a small synthetic street-scene dataset in the '
        'CamVid (SegNet) layout: 11 classes, 11 = void')
    parser.add_argument('out_dir', help='folder to write into')
    parser.add_argument('--num-train', type=int, default=24)
    parser.add_argument('--num-val', type=int, default=8)
    parser.add_argument('--size', type=parse_size, default=(480, 360),
                        help='WIDTHxHEIGHT (default 480x360)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.num_train < 0 or args.num_val < 0:
        parser.error('--num-train and --num-val must be >= 0')
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        counts = generate(args.out_dir, args.num_train, args.num_val,
                          args.size, args.seed)
    except OSError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    print(f'wrote {counts["train"]} train and {counts["val"]} val samples '
          f'({args.size[0]}x{args.size[1]}, seed {args.seed}) in the CamVid '
          f'layout under {args.out_dir}; use it with '
          f"CamVidDataset(data_root='{args.out_dir}')")
    return 0


if __name__ == '__main__':
    sys.exit(main())
