/** The command lines' `--export-onnx FILE`: the trained model as an ONNX file. */
import type { Tensor } from '@kindling/core';
import type { Module } from '@kindling/nn';
import { DEFAULT_OPSET } from '@kindling/onnx';
import { exportOnnxFile } from '@kindling/onnx/node';
import { UsageError } from './args.js';

/** The flag's help entry, its description starting at column `column` as the command's other options do. */
export function exportOnnxHelp(column: number): string {
  const flag = '  --export-onnx FILE';
  // Two lines of text so the help fits 80 columns whatever the command's option column.
  const text = ['also write the trained model as ONNX', '(float32, any batch size), for ONNX Runtime'];
  const pad = ' '.repeat(column);
  return (flag.length + 2 <= column ? flag.padEnd(column) + text[0] : `${flag}\n${pad}${text[0]}`) + `\n${pad}${text[1]}`;
}

/**
 * Writes `model` to `file` as ONNX, traced with `example`. float32, because ONNX Runtime's CPU
 * convolutions take float32 only; a symbolic batch, so the file serves any batch size. Returns
 * the line to print.
 */
export function exportOnnxForCli(file: string, model: Module, example: Tensor): string {
  if (file === '') throw new UsageError('--export-onnx needs a file name');
  const bytes = exportOnnxFile(file, model, example, { dynamicBatch: true, dtype: 'float32' });
  // Two lines: a long path would push one line past 80 columns and get wrapped mid-phrase.
  return `wrote ${file}\n  the trained model as ONNX (opset ${DEFAULT_OPSET}, float32, any batch size, ${bytes.length} bytes)`;
}
