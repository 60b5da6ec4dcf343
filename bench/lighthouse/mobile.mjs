/** Lighthouse's default settings (a mid-range phone), for a Streamlit page (see streamlit.mjs). */
import {forStreamlit} from './streamlit.mjs';

export default forStreamlit({extends: 'lighthouse:default'});
