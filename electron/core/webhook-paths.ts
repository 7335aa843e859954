/** The webhook listener's two routes (shared by the receiver, the engine and the tunnel policy). */
export const WEBHOOK_PATH = '/webhook';
export const HEALTH_PATH = '/healthz';
