export declare const BUILD_SOURCES: readonly string[];
export declare const BUILT_MARKER: string;
export declare function buildIsStale(root: string): boolean;
