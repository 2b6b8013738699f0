export { type NoticesPageOptions, noticesPage } from './notices.page.js';
