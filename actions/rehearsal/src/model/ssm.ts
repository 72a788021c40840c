import { AwsError } from './errors';
import type { Caller, World } from './world';

export class Ssm {
  readonly parameters = new Map<string, { value: string; version: number; modified: number }>();

  constructor(private readonly world: World) {}

  arnOf(name: string): string {
    return this.world.arn('ssm', `parameter/${name.replace(/^\//, '')}`);
  }

  put(name: string, value: string): void {
    const version = (this.parameters.get(name)?.version ?? 0) + 1;
    this.parameters.set(name, { value, version, modified: this.world.now() });
  }

  value(name: string): string {
    const parameter = this.parameters.get(name);
    if (!parameter) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
    return parameter.value;
  }

  readonly operations: Record<string, (caller: Caller, input: any) => unknown> = {
    GetParameter: (caller, input) => {
      const name = String(input.Name);
      this.world.authorize(caller, 'ssm:GetParameter', this.arnOf(name));
      const parameter = this.parameters.get(name);
      if (!parameter) throw new AwsError('ParameterNotFound', '');
      return {
        Parameter: {
          Name: name,
          Type: 'String',
          Value: parameter.value,
          Version: parameter.version,
          LastModifiedDate: parameter.modified / 1000,
          ARN: this.arnOf(name),
          DataType: 'text',
        },
      };
    },
  };
}
