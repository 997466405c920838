import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini ships without messages ("Invalid input"); load only the English ones (`z.locales` would bundle all
// of them) so validation errors say what is wrong.
z.config(en());
