import * as z from 'zod/mini';

// zod/mini ships without messages ("Invalid input"); load the English ones so validation errors say what is wrong.
z.config(z.locales.en());
