// The LMS side of publish-scorm-again.html, on scorm-again's real run-time API:
// - `lmsLaunch(version, url, record)`: a fresh scorm-again API (`Scorm12API` or
//   `Scorm2004API`) loaded with the learner's record (flattened CMI: learner id, mastery
//   score, what earlier sessions left), exposed as `window.API` / `window.API_1484_11`,
//   then the SCO at `url` in the frame;
// - `lmsLog`: every call the SCO made, `{name, args, result, error}` (error: the API's last
//   error code after the call);
// - `lmsNextRecord()`: what a conforming LMS keeps for the learner's next launch: the
//   values the SCO set, `entry` = `resume` after `exit` = `suspend`; in SCORM 2004 any
//   other exit ends the attempt, so the next one starts from a fresh record (suspend data
//   and all).
(() => {
  const log = (window.lmsLog = []);
  let version = null;
  let record = {};
  let from = 0;
  const NAMES = {
    12: ['LMSInitialize', 'LMSGetValue', 'LMSSetValue', 'LMSCommit', 'LMSFinish'],
    2004: ['Initialize', 'GetValue', 'SetValue', 'Commit', 'Terminate'],
  };
  const WRITE_ONLY = ['cmi.core.exit', 'cmi.core.session_time', 'cmi.exit', 'cmi.session_time'];
  const IDENTITY = ['cmi.core.student_id', 'cmi.core.student_name', 'cmi.student_data.mastery_score',
    'cmi.learner_id', 'cmi.learner_name', 'cmi.scaled_passing_score'];

  window.lmsLaunch = (v, url, start) => {
    version = String(v);
    record = { ...start };
    from = log.length;
    // No commit URL (nothing leaves the page) and no console output from the runtime.
    const settings = { autocommit: false, lmsCommitUrl: false, logLevel: 5, uninitializedGetLogLevel: 5 };
    const api = version === '12' ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    api.loadFromFlattenedJSON(start, '');
    const lastError = version === '12' ? api.LMSGetLastError.bind(api) : api.GetLastError.bind(api);
    for (const name of NAMES[version]) {
      const real = api[name].bind(api);
      api[name] = (...args) => {
        const result = real(...args);
        log.push({ name, args: args.map(String), result: String(result), error: String(lastError()) });
        return result;
      };
    }
    delete window.API;
    delete window.API_1484_11;
    if (version === '12') window.API = api;
    else window.API_1484_11 = api;
    document.getElementById('sco').src = url;
  };

  window.lmsNextRecord = () => {
    const set = version === '12' ? 'LMSSetValue' : 'SetValue';
    const next = { ...record };
    let exit = '';
    for (const { name, args, result } of log.slice(from)) {
      if (name !== set || result !== 'true') continue;
      const [key, value] = args;
      if (key === 'cmi.core.exit' || key === 'cmi.exit') exit = value;
      if (!WRITE_ONLY.includes(key)) next[key] = value;
    }
    const entry = version === '12' ? 'cmi.core.entry' : 'cmi.entry';
    if (exit === 'suspend') return { ...next, [entry]: 'resume' };
    if (version === '12') return { ...next, [entry]: '' };
    return Object.fromEntries(Object.entries(record).filter(([k]) => IDENTITY.includes(k)));
  };
})();
