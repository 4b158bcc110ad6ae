export declare const SERVE_NODE_FLAGS: readonly string[];
export declare function serveEnv(root: string, env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
