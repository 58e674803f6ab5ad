/**
 * `%NAME%` binding expressions (a timer schedule, a queue name) resolve from
 * the app settings, as the Functions host resolves them when it indexes the
 * app; a reference to a missing setting fails start-up, naming the setting.
 */

export class AppSettingError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'AppSettingError';
  }
}

export function resolveAppSettings(value: string, settings: Record<string, string | undefined>, where: string): string {
  return value.replace(/%([^%\s]+)%/g, (_, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined) {
      throw new AppSettingError(name, `${where} refers to app setting '%${name}%', which is not set`);
    }
    return resolved;
  });
}
