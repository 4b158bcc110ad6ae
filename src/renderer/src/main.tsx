// Placeholder until the app's screens land: proves the renderer builds for both transports.
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<p>Studylog</p>);
