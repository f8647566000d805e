// Launches the SCO named by ?launch= in the stand-in LMS's frame.
document.getElementById('sco').src = new URLSearchParams(location.search).get('launch');
