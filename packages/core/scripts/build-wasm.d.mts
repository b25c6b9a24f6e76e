// Types for build-wasm.mjs (imported by packages/core/test/kernels.wasm.test.ts).
export declare const watPath: string;
export declare const generatedPath: string;
export declare function assemble(source: string): Promise<Uint8Array>;
export declare function render(bytes: Uint8Array): string;
export declare function generate(): Promise<string>;
