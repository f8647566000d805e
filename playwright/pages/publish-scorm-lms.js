// The stand-in LMS's run-time API (see publish-scorm-lms.html): keeps the CMI data in
// `window.lmsData` across launches and records calls in `window.lmsCalls` as
// [name, ...args, result]; SCORM returns strings.
(() => {
  const v = new URLSearchParams(location.search).get('v');
  const calls = (window.lmsCalls = []);
  const data = (window.lmsData = {});
  let open = false;
  const fn = (name, body) => (...args) => {
    const result = body(...args);
    calls.push([name, ...args, result]);
    return result;
  };
  const init = () => ((open = true), 'true');
  const get = (k) => (open ? (data[k] ?? '') : '');
  const set = (k, val) => (open ? ((data[k] = String(val)), 'true') : 'false');
  const commit = () => (open ? 'true' : 'false');
  const finish = () => (open ? ((open = false), 'true') : 'false');
  if (v === '12') {
    window.API = {
      LMSInitialize: fn('LMSInitialize', init),
      LMSGetValue: fn('LMSGetValue', get),
      LMSSetValue: fn('LMSSetValue', set),
      LMSCommit: fn('LMSCommit', commit),
      LMSFinish: fn('LMSFinish', finish),
      LMSGetLastError: () => '0',
      LMSGetErrorString: () => 'No error',
      LMSGetDiagnostic: () => '',
    };
  } else {
    window.API_1484_11 = {
      Initialize: fn('Initialize', init),
      GetValue: fn('GetValue', get),
      SetValue: fn('SetValue', set),
      Commit: fn('Commit', commit),
      Terminate: fn('Terminate', finish),
      GetLastError: () => '0',
      GetErrorString: () => 'No error',
      GetDiagnostic: () => '',
    };
  }
})();
