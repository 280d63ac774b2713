export * from './access-level';
export * from './sharing-mode';
export * from './grants';
export * from './shared-bucket';
export * from './third-party-access-role';
export * from './consumer-reader';
export * from './organization-consumers';
export * from './cross-account-access-plugin';
