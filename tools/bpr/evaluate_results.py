"""Mask AP, boundary AP and Cityscapes instance AP of instance result files,
and the before/after table of a BPR refinement.

BPR (Tang et al., CVPR 2021, https://arxiv.org/abs/2104.05239) is measured
by COCO mask AP and Cityscapes instance AP; boundary AP (Cheng et al., CVPR
2021, https://arxiv.org/abs/2103.16562) shows the boundary gains that mask
AP barely sees::

    python tools/bpr/evaluate_results.py coarse_val.json \\
        data/coco/annotations/instances_val2017.json \\
        --compare refined_val.json
    python tools/bpr/evaluate_results.py coarse_cityscapes data/cityscapes \\
        --split val --compare refined_cityscapes --out-json ap.json

Results: a COCO result json, a folder of Cityscapes ``*_pred.txt`` or an
mmdet results pickle (``--format``, default from the name); ground truth: a
COCO instances json or a Cityscapes root, whose ``gtFine`` instanceIds are
converted to COCO-style ground truth in memory (group regions as crowd).
Only the images present in the results are evaluated.
"""
import argparse
import json
import sys
from pathlib import Path

from mmrtseg.evaluation.instance_results_eval import (
    CITYSCAPES_EVAL_LABEL_IDS, evaluate_instance_results, load_instance_gt,
    load_instance_results, result_image_ids)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Mask AP, boundary AP (and Cityscapes AP) of instance '
        'results; before/after with --compare')
    parser.add_argument('results', help='COCO result json, folder of '
                        'Cityscapes *_pred.txt, or mmdet results pickle')
    parser.add_argument('gt', help='COCO instances json, or Cityscapes root')
    parser.add_argument('--compare', default=None,
                        help='refined results (same format) to compare with')
    parser.add_argument('--format', default='auto',
                        choices=['auto', 'coco', 'cityscapes', 'mmdet'],
                        help='result format (default: from the name)')
    parser.add_argument('--img-dir', default=None,
                        help='images of Cityscapes results, for the size of '
                        'images without instances (default: '
                        '<root>/leftImg8bit/<split> when it exists)')
    parser.add_argument('--split', default='val',
                        help='Cityscapes split under gtFine/ (default val)')
    parser.add_argument('--cat-ids', type=int, nargs='+', default=None,
                        help='category id of each class index of an mmdet '
                        'pickle (default: the sorted ground-truth ids)')
    parser.add_argument('--dilation-ratio', type=float, default=0.02,
                        help='boundary width / image diagonal (default 0.02)')
    parser.add_argument('--out-json', default=None,
                        help='also write the metrics to this json')
    return parser.parse_args(argv)


def format_table(before, after=None):
    """Text table of the metrics (in %), with after and difference columns
    when ``after`` is given."""
    head = f'{"metric":<18}{"value":>9}' if after is None else \
        f'{"metric":<18}{"before":>9}{"after":>9}{"diff":>9}'
    lines = [head, '-' * len(head)]
    for key, value in before.items():
        row = f'{key:<18}{100 * value:9.2f}'
        if after is not None:
            row += f'{100 * after[key]:9.2f}{100 * (after[key] - value):+9.2f}'
        lines.append(row)
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    gt_path = Path(args.gt)
    coco_gt = load_instance_gt(gt_path, args.split, CITYSCAPES_EVAL_LABEL_IDS)
    img_dir = args.img_dir
    if img_dir is None and gt_path.is_dir():
        default = gt_path / 'leftImg8bit' / args.split
        img_dir = default if default.is_dir() else None
    cat_ids = args.cat_ids or sorted(coco_gt.getCatIds())

    def load(path):
        results, _ = load_instance_results(
            path, args.format, ann_file=gt_path if gt_path.is_file() else None,
            img_dir=img_dir, cat_ids=cat_ids)
        return results

    def evaluate(path, results):
        return evaluate_instance_results(results, coco_gt,
                                         args.dilation_ratio, where=str(path))

    results = load(args.results)
    refined = load(args.compare) if args.compare else None
    if refined is not None:
        images = sorted(result_image_ids(results, coco_gt.imgs,
                                         str(args.results)))
        if images != sorted(result_image_ids(refined, coco_gt.imgs,
                                             str(args.compare))):
            sys.exit(f'{args.results} and {args.compare} cover different '
                     'images; compare results of the same images')
    before = evaluate(args.results, results)
    after = None if refined is None else evaluate(args.compare, refined)
    print(f'{args.results}' +
          (f' -> {args.compare}' if after is not None else '') +
          f' on {args.gt} (AP in %, boundary dilation ratio '
          f'{args.dilation_ratio:g})')
    print(format_table(before, after))
    if args.out_json:
        out = dict(results=str(args.results), gt=str(args.gt),
                   metrics=before)
        if after is not None:
            out.update(compare=str(args.compare), compare_metrics=after,
                       diff={k: after[k] - v for k, v in before.items()})
        Path(args.out_json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out_json).write_text(json.dumps(out, indent=2))


if __name__ == '__main__':
    main()
