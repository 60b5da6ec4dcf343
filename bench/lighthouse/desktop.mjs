/** Lighthouse's desktop preset, for a Streamlit page (see streamlit.mjs). */
import desktop from 'lighthouse/core/config/desktop-config.js';
import {forStreamlit} from './streamlit.mjs';

export default forStreamlit(desktop);
