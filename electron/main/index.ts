/** Electron main entry: the desktop app. (The engine alone runs with `callaider-archive serve`.) */
import * as electron from 'electron';
import { startDesktopApp } from './desktop-app.js';

startDesktopApp(electron);
