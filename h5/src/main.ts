import { createApp } from 'vue';
import 'vant/lib/index.css';
import './styles/app.css';
import App from './App.vue';
import { router } from './modules/router';
import { i18n } from './modules/i18n';
import { wordsReady } from './composables/use-i18n';

// The reader's language (?lang=en, or the one they chose before) is in before the first render.
void wordsReady.then(() => createApp(App).use(router).use(i18n).mount('#app'));
