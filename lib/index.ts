export * from './access-level';
export * from './shared-bucket';
export * from './third-party-access-role';
export * from './consumer-reader';
