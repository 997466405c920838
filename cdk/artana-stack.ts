import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Artana, type ArtanaProps } from './artana-construct.js';

export interface ArtanaStackProps extends StackProps {
  readonly artana?: ArtanaProps;
}

/** The example deployment: the sample harness behind `functions/step-worker.ts`, with the construct's defaults. */
export class ArtanaStack extends Stack {
  readonly artana: Artana;

  constructor(scope: Construct, id: string, props: ArtanaStackProps = {}) {
    super(scope, id, props);
    this.artana = new Artana(this, 'Artana', props.artana);
  }
}
