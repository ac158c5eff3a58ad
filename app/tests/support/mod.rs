//! Helpers of the end-to-end test: a headless desktop and a WebDriver client.

pub mod desktop;
pub mod webdriver;
