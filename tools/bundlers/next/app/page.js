'use client';
import { useEffect } from 'react';
import { install } from './smoke.js';

export default function Page() {
  // window.smoke exists only in the browser; the page is also prerendered at build time.
  useEffect(install, []);
  return <main>lk-denoise smoke page</main>;
}
