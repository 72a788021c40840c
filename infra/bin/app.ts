import { App } from 'aws-cdk-lib';
import { buildRagchatApp } from '../src/app';

const app = new App();
buildRagchatApp(app);
app.synth();
