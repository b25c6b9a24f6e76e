// Types for build-wasm.mjs (imported by packages/core/test/kernels.wasm.test.ts).
export declare const watPath: string;
export declare const generatedPath: string;
export declare const SHARED_MEMORY: string;
export declare const PLAIN_MEMORY: string;
export declare function assemble(source: string, options?: { shared?: boolean }): Promise<Uint8Array>;
export declare function render(plain: Uint8Array, shared: Uint8Array, relaxedPlain: Uint8Array, relaxedShared: Uint8Array): string;
export declare function generate(relaxedSource: string): Promise<string>;
